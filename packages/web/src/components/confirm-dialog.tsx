import { useEffect, useId, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { ErrorBanner } from './error-banner.js';

export interface ConfirmDialogProps {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  /** Runs the action; a rejection keeps the dialog open with the error shown. */
  onConfirm: () => Promise<void>;
  onClose: () => void;
  /** `danger` (default) for destructive actions, `primary` for promoting ones. */
  tone?: 'danger' | 'primary';
  /** Disables the confirm button (e.g. while a required field in the body is empty). */
  confirmDisabled?: boolean;
}

/**
 * A modal `<dialog>` for destructive and promoting actions: Escape and Cancel close it, focus
 * starts on Cancel so Enter never destroys anything by accident.
 */
export function ConfirmDialog({ open, title, children, confirmLabel, onConfirm, onClose, tone = 'danger', confirmDisabled = false }: ConfirmDialogProps) {
  const titleId = useId();
  const ref = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      setError(undefined);
      dialog.showModal();
      cancelRef.current?.focus();
    } else if (!open && dialog.open) {
      dialog.close();
    }
  }, [open]);

  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm();
      onClose();
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <dialog ref={ref} className="confirm-dialog" aria-labelledby={titleId} onClose={onClose}>
      <h2 id={titleId}>{title}</h2>
      <div className="confirm-body">{children}</div>
      {error && <ErrorBanner title="The action failed" error={error} />}
      <div className="dialog-actions">
        <button type="button" ref={cancelRef} onClick={onClose} disabled={busy}>
          Cancel
        </button>
        <button type="button" className={tone} onClick={() => void confirm()} disabled={busy || confirmDisabled}>
          {busy ? 'Working…' : confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
