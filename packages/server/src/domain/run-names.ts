import { randomInt } from 'node:crypto';

/**
 * A readable default run name in MLflow's style (`<adjective>-<noun>-<number>`), for runs created
 * without one.
 */
const ADJECTIVES = [
  'amber', 'bold', 'brave', 'bright', 'calm', 'clever', 'crisp', 'daring', 'eager', 'fair',
  'gentle', 'glad', 'keen', 'kind', 'lively', 'lucky', 'merry', 'nimble', 'polite', 'proud',
  'quick', 'quiet', 'rare', 'shy', 'silent', 'sleek', 'smart', 'steady', 'sunny', 'swift',
  'tidy', 'vast', 'warm', 'wise', 'zesty',
];
const NOUNS = [
  'ant', 'bass', 'bear', 'bird', 'calf', 'cat', 'crane', 'deer', 'dove', 'eel', 'finch', 'fox',
  'frog', 'goat', 'hare', 'hawk', 'heron', 'horse', 'lark', 'lynx', 'mole', 'moth', 'newt', 'owl',
  'panda', 'robin', 'seal', 'shrew', 'snail', 'stork', 'swan', 'toad', 'trout', 'whale', 'wolf',
];

export function generateRunName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}-${randomInt(1000)}`;
}
