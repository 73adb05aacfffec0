/** A model version's stage as a coloured badge (the colours are the theme's). */
export function StageBadge({ stage }: { stage: string | undefined }) {
  const s = stage ?? 'None';
  return <span className={`status stage-${s.toLowerCase()}`}>{s}</span>;
}

export function AliasChips({ aliases }: { aliases: readonly string[] | undefined }) {
  if (!aliases || aliases.length === 0) return null;
  return (
    <span className="alias-chips">
      {aliases.map((a) => (
        <span key={a} className="alias-chip">
          @{a}
        </span>
      ))}
    </span>
  );
}
