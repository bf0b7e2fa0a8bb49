// Small DOM helpers: elements are built in one place each, with text (never HTML) from the server.
import { ChatError } from "../src/index";

type Child = Node | string | number | null | undefined | false;
type Props = {
  class?: string;
  text?: string | number;
  data?: Record<string, string | number>;
  attrs?: Record<string, string | number | boolean | undefined>;
  on?: { [K in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[K]) => void };
};

/** An element with its class, text, data, attributes, listeners and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props.class) element.className = props.class;
  if (props.text !== undefined) element.textContent = String(props.text);
  for (const [key, value] of Object.entries(props.data ?? {})) element.dataset[key] = String(value);
  for (const [key, value] of Object.entries(props.attrs ?? {})) {
    if (value === true) element.setAttribute(key, "");
    else if (value !== false && value !== undefined) element.setAttribute(key, String(value));
  }
  for (const [type, listener] of Object.entries(props.on ?? {})) element.addEventListener(type, listener as EventListener);
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) element.append(typeof child === "number" ? String(child) : child);
  }
  return element;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

/** Up to two initials for an avatar: "Ann Lee" → "AL", "bob" → "B". */
export function initials(name: string): string {
  const words = name.split(/[\s._@-]+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[1]] : [name];
  return letters.map((word) => Array.from(word)[0] ?? "").join("").toUpperCase() || "?";
}

// "numeric" lets the locale decide the hour's padding: "3:05 AM" in the US, "03:05" in Britain.
const clock = new Intl.DateTimeFormat([], { hour: "numeric", minute: "2-digit" });
const shortDate = new Intl.DateTimeFormat([], { month: "short", day: "numeric" });
const longDate = new Intl.DateTimeFormat([], { weekday: "long", month: "long", day: "numeric", year: "numeric" });

/** A time as a list shows it: the clock today, the date before. */
export function listTime(iso: string | null | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  return isToday(date) ? clock.format(date) : shortDate.format(date);
}

export function clockTime(iso: string): string {
  return clock.format(new Date(iso));
}

/** A day separator's words: "Today", "Yesterday", or the date. */
export function dayLabel(iso: string): string {
  const date = new Date(iso);
  if (isToday(date)) return "Today";
  const yesterday = new Date();
  yesterday.setDate(yesterday.getDate() - 1);
  return date.toDateString() === yesterday.toDateString() ? "Yesterday" : longDate.format(date);
}

export function dayKey(iso: string): string {
  return new Date(iso).toDateString();
}

function isToday(date: Date): boolean {
  return date.toDateString() === new Date().toDateString();
}

/** What the app says once the server no longer knows who this is. */
export const signedOutText = "You are signed out. Sign in again to keep chatting.";

/** Whether the server refused the call for want of a sign-in (signed out, a session ended elsewhere). */
export function signedOut(error: unknown): boolean {
  return error instanceof ChatError && error.status === 401;
}

/** The API's own words for a refusal, so people read why, not a status code. */
export function describe(error: unknown): string {
  if (error instanceof ChatError) {
    if (signedOut(error)) return signedOutText;
    if (error.status === 429) return "You are doing that too fast; wait a moment.";
    return error.message;
  }
  return "The server cannot be reached; check your connection.";
}

export function fileSize(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${Math.round(bytes / 1024)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
