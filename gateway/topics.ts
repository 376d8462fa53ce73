/** Limits on topic names; see {@linkcode validateTopic}. */
export interface TopicRules {
  /** Longest topic name, in UTF-8 bytes. */
  readonly maxTopicBytes: number;
}

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
  for (let i = 0; i < topic.length; i++) {
    if (isForbidden(topic.charCodeAt(i))) {
      return `topic '${topic}' must not contain commas, whitespace or control characters`;
    }
  }
  return undefined;
}

/**
 * Commas separate topics in the client protocol; whitespace and control
 * characters make topics that cannot be typed, logged or seen reliably.
 * A loop over char codes: this runs on every publish.
 */
function isForbidden(code: number): boolean {
  if (code <= 0x20 || code === 0x2c || (code >= 0x7f && code <= 0xa0)) return true; // C0, space, ',', DEL, C1, NBSP
  if (code < 0x1680) return false;
  return code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 ||
    code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff;
}

/** Splits a comma-separated topic list, trimming entries and dropping empty ones and duplicates. */
export function splitTopics(list: string): string[] {
  if (list.indexOf(",") === -1) {
    const topic = list.trim();
    return topic.length > 0 ? [topic] : [];
  }
  const topics = list.split(",").map((topic) => topic.trim()).filter((topic) => topic.length > 0);
  return topics.length > 1 ? [...new Set(topics)] : topics;
}
