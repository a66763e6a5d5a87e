import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { CALLER_SEARCH, type CallerMatch } from "~/supporters/caller-search";
import { useHydrated } from "./use-hydrated";
import { Button } from "~/ui/admin";
import { t } from "~/i18n/t";

const DEBOUNCE_MS = 150;

type Lookup =
  | { status: "idle" }
  | { status: "loading" }
  | { status: "done"; query: string; results: CallerMatch[] }
  | { status: "failed"; message: string };

/** One line of contact details under the name, so two people of the same name can be told apart. */
export function callerDetails(m: Pick<CallerMatch, "email" | "phone" | "postcode">) {
  return [m.email ?? t("admin.supporterCombobox.noEmail"), m.phone, m.postcode].filter(Boolean).join(" · ");
}

function announcement(lookup: Lookup, chosen: string | null) {
  if (chosen) return t("admin.supporterCombobox.chosenChosen", { chosen: String(chosen) });
  if (lookup.status === "failed") return lookup.message;
  if (lookup.status !== "done") return "";
  const n = lookup.results.length;
  if (n === 0) return t("admin.supporterCombobox.noSupporterMatchesFillIn");
  const more = n === CALLER_SEARCH.limit ? t("admin.supporterCombobox.theFirstNTypeMore", { n: String(n) }) : "";
  return t("admin.supporterCombobox.matches", { n, more });
}

/**
 * The caller search as a WAI-ARIA combobox with a listbox popup. The server renders a plain search
 * input in a GET form, which works without JavaScript; once hydrated, typing two or more
 * characters looks callers up as you type (one request at a time: a newer keystroke aborts the
 * older request).
 */
export function SupporterCombobox({
  id,
  label,
  defaultQuery,
  autoFocus,
  onChoose,
}: {
  id: string;
  label: string;
  defaultQuery: string;
  autoFocus?: boolean;
  onChoose: (match: CallerMatch) => void;
}) {
  const enhanced = useHydrated();
  const [query, setQuery] = useState(defaultQuery);
  const [lookup, setLookup] = useState<Lookup>({ status: "idle" });
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [chosen, setChosen] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout>>();
  const inFlight = useRef<AbortController | null>(null);
  const listboxId = `${id}-listbox`;
  const results = lookup.status === "done" ? lookup.results : [];
  const expanded = enhanced && open && lookup.status === "done";

  useEffect(() => {
    return () => {
      clearTimeout(timer.current);
      inFlight.current?.abort();
    };
  }, []);

  async function search(q: string) {
    inFlight.current?.abort();
    const controller = new AbortController();
    inFlight.current = controller;
    setLookup({ status: "loading" });
    try {
      const response = await fetch(`/admin/supporters/search?${new URLSearchParams({ q })}`, {
        signal: controller.signal,
        headers: { Accept: "application/json" },
      });
      const body = (await response.json()) as { results?: CallerMatch[]; message?: string };
      if (controller.signal.aborted) return;
      if (!response.ok || !body.results) {
        setLookup({ status: "failed", message: body.message ?? t("admin.supporterCombobox.theSearchDidNotWork") });
        return;
      }
      setLookup({ status: "done", query: q, results: body.results });
      setActive(-1);
      setOpen(true);
    } catch {
      if (controller.signal.aborted) return;
      setLookup({ status: "failed", message: t("admin.supporterCombobox.theSearchDidNotWork") });
    }
  }

  function onInput(value: string) {
    setQuery(value);
    setChosen(null);
    clearTimeout(timer.current);
    const q = value.trim();
    if (q.length < CALLER_SEARCH.minLength) {
      inFlight.current?.abort();
      setLookup({ status: "idle" });
      setOpen(false);
      return;
    }
    timer.current = setTimeout(() => void search(q.slice(0, CALLER_SEARCH.maxLength)), DEBOUNCE_MS);
  }

  function choose(match: CallerMatch) {
    setQuery(match.name || match.email || match.phone || "");
    setChosen(match.name || t("admin.supporterCombobox.aSupporterWithNoName"));
    setOpen(false);
    setActive(-1);
    onChoose(match);
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (!enhanced) return;
    const count = results.length;
    switch (event.key) {
      case "ArrowDown":
      case "ArrowUp": {
        if (count === 0) return;
        event.preventDefault();
        const down = event.key === "ArrowDown";
        if (!expanded) {
          setOpen(true);
          setActive(event.altKey ? -1 : down ? 0 : count - 1);
          return;
        }
        setActive((i) => (down ? (i + 1) % count : i <= 0 ? count - 1 : i - 1));
        return;
      }
      case "Enter":
        if (expanded && active >= 0 && results[active]) {
          event.preventDefault();
          choose(results[active]);
          return;
        }
        // With no option active, Enter submits the search form (the results list under it) instead.
        clearTimeout(timer.current);
        inFlight.current?.abort();
        setOpen(false);
        return;
      case "Escape":
        event.preventDefault();
        if (expanded) {
          setOpen(false);
          setActive(-1);
        } else {
          onInput("");
        }
        return;
    }
  }

  const comboboxProps = enhanced
    ? {
        role: "combobox" as const,
        "aria-autocomplete": "list" as const,
        "aria-expanded": expanded,
        "aria-controls": listboxId,
        "aria-activedescendant": expanded && active >= 0 ? `${id}-option-${results[active]?.id}` : undefined,
        "aria-describedby": `${id}-hint`,
      }
    : {};

  return (
    <div className="combobox">
      <label htmlFor={id}>{label}</label>
      <div className="combobox-row">
        <input
          id={id}
          name="q"
          type="search"
          value={query}
          onChange={(e) => onInput(e.target.value)}
          onKeyDown={onKeyDown}
          onBlur={() => setOpen(false)}
          onFocus={() => lookup.status === "done" && !chosen && setOpen(true)}
          maxLength={CALLER_SEARCH.maxLength}
          autoComplete="off"
          spellCheck={false}
          // The phone line's first action is typing the caller's name: the pledge screen asks for it.
          // eslint-disable-next-line jsx-a11y/no-autofocus
          autoFocus={autoFocus}
          {...comboboxProps}
        />
        <Button variant="secondary" compact>
          {t("admin.supporterCombobox.search")}
        </Button>
      </div>
      {enhanced ? (
        // Sighted people see the list open; the instruction is for screen readers.
        <p id={`${id}-hint`} className="visually-hidden">
          {t("admin.supporterCombobox.type")} {CALLER_SEARCH.minLength}{" "}
          {t("admin.supporterCombobox.orMoreCharactersThenChoose")}
        </p>
      ) : null}
      {/* Rendered empty and kept in the page, so screen readers announce each change. */}
      <p role="status" aria-live="polite" className="visually-hidden">
        {enhanced ? announcement(lookup, chosen) : ""}
      </p>
      {lookup.status === "failed" ? <p className="field-error">{lookup.message}</p> : null}
      <ul
        id={listboxId}
        role="listbox"
        aria-label={t("admin.supporterCombobox.matchingSupporters")}
        className="combobox-listbox"
        hidden={!expanded}
      >
        {expanded && results.length === 0 ? (
          <li
            role="option"
            aria-selected={false}
            aria-disabled="true"
            className="combobox-empty"
            id={`${id}-option-none`}
          >
            {t("admin.supporterCombobox.noSupporterMatches")}
            {lookup.query}
            {t("admin.supporterCombobox.fillInANewCaller")}
          </li>
        ) : null}
        {results.map((m, i) => (
          // The keyboard stays in the input (arrow keys and Enter, aria-activedescendant): the
          // combobox pattern of the ARIA Authoring Practices, so the option itself takes clicks only.
          // eslint-disable-next-line jsx-a11y/click-events-have-key-events
          <li
            key={m.id}
            id={`${id}-option-${m.id}`}
            role="option"
            aria-selected={i === active}
            className="combobox-option"
            // Keeps focus in the input, so the click chooses rather than blurring the list away.
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => choose(m)}
          >
            <span className="combobox-name">{m.name || t("admin.supporterCombobox.noName")}</span>
            <span className="combobox-details">{callerDetails(m)}</span>
            {m.entitlement ? <span className="combobox-details">{m.entitlement}</span> : null}
          </li>
        ))}
      </ul>
    </div>
  );
}
