/** Limits on topic names; see {@linkcode validateTopic}. */
export interface TopicRules {
  /** Longest topic name, in UTF-8 bytes. */
  readonly maxTopicBytes: number;
}

// Commas separate topics in the client protocol; whitespace and control
// characters make topics that cannot be typed, logged or seen reliably.
const FORBIDDEN = /[\s,\p{Cc}]/u;
const encoder = new TextEncoder();

/**
 * Returns why `topic` is not a valid topic name, or `undefined` when it is:
 * 1 to `maxTopicBytes` UTF-8 bytes, without commas, whitespace or control
 * characters.
 *
 * @example
 * ```ts
 * import { validateTopic } from "@firetower/firetower";
 * console.log(validateTopic("/chat/world", { maxTopicBytes: 256 })); // undefined
 * console.log(validateTopic("a b", { maxTopicBytes: 256 }));
 * // "topic 'a b' must not contain commas, whitespace or control characters"
 * ```
 */
export function validateTopic(topic: string, rules: TopicRules): string | undefined {
  if (topic.length === 0) return "topic must not be empty";
  if (
    topic.length > rules.maxTopicBytes ||
    (topic.length * 3 > rules.maxTopicBytes && encoder.encode(topic).length > rules.maxTopicBytes)
  ) {
    return `topic '${topic.slice(0, 40)}...' is longer than ${rules.maxTopicBytes} bytes`;
  }
  if (FORBIDDEN.test(topic)) {
    return `topic '${topic}' must not contain commas, whitespace or control characters`;
  }
  return undefined;
}

/** Splits a comma-separated topic list, trimming entries and dropping empty ones and duplicates. */
export function splitTopics(list: string): string[] {
  const topics = list.split(",").map((topic) => topic.trim()).filter((topic) => topic.length > 0);
  return topics.length > 1 ? [...new Set(topics)] : topics;
}
