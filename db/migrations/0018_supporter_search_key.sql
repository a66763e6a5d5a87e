-- Staff search (ADR 038): PostgreSQL's trigram matching, accent folding and edit distance, on
-- PostgreSQL and on PGlite alike (db/pglite.server.mjs loads the extensions into every PGlite).
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS unaccent;--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch;--> statement-breakpoint
-- Text as search compares it: accents off (unaccent's rules, which also fold ß, æ, ł, ø …),
-- Cyrillic capitals lowered by hand (lower() leaves them alone under the C locale PGlite uses),
-- then lower case, Russian and Ukrainian letters in the Latin spelling an English speaker would
-- type (Мария → maria, Щукин → shchukin, Чайковский → chaykovskiy), and every run of spaces and
-- punctuation as one space. Immutable (unaccent's dictionary is part of the installation), so a
-- stored column and its index can be made of it; qualified, so no search_path changes it.
-- PL/pgSQL rather than SQL: these are not inlined either way, and PL/pgSQL keeps its plan (the
-- search key cost 166 µs a row as an SQL function, 32 µs as this, at a busy bench's seeding).
CREATE OR REPLACE FUNCTION ff_search_words(value text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT
AS $fn$
BEGIN
RETURN btrim(regexp_replace(
  translate(
    replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
      lower(translate(public.unaccent('public.unaccent'::regdictionary, value),
        'АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯІЇЄҐЎ',
        'абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґў')),
      'ия', 'ia'), 'щ', 'shch'), 'ж', 'zh'), 'х', 'kh'), 'ц', 'ts'), 'ч', 'ch'), 'ш', 'sh'), 'ю', 'yu'), 'я', 'ya'), 'є', 'ye'), 'ї', 'yi'),
    'абвгдеёзийклмнопрстуфыэіґўъь',
    'abvgdeeziyklmnoprstufyeigu'),
  '[[:space:][:punct:]’‘‚‛′´“”„«»‐‑‒–—―·•]+', ' ', 'g'), ' ');
END;
$fn$;--> statement-breakpoint
-- A supporter's search key: the name's words, the name again with apostrophes and hyphens closed
-- up when that differs ("o brien" and "obrien", "smith jones" and "smithjones"), and the town.
CREATE OR REPLACE FUNCTION ff_search_key(name text, city text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $fn$
DECLARE
  words text := public.ff_search_words(coalesce(name, ''));
  joined text := public.ff_search_words(regexp_replace(coalesce(name, ''), '[''’‘`´‐‑-]+', '', 'g'));
BEGIN
  RETURN concat_ws(' ', nullif(words, ''), nullif(nullif(joined, words), ''), nullif(public.ff_search_words(coalesce(city, '')), ''));
END;
$fn$;--> statement-breakpoint
CREATE TABLE "supporter_search_words" (
	"word" text PRIMARY KEY NOT NULL
);
--> statement-breakpoint
ALTER TABLE "supporters" ADD COLUMN "search_key" text GENERATED ALWAYS AS (ff_search_key(name, address_city)) STORED;--> statement-breakpoint
CREATE INDEX "supporter_search_words_trgm_idx" ON "supporter_search_words" USING gin ("word" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "supporters_search_key_idx" ON "supporters" USING gin ("search_key" gin_trgm_ops) WHERE "supporters"."erased_at" is null;--> statement-breakpoint
-- The words of live supporters' search keys (three letters or more), for correcting a misspelt
-- word: a new word is added as a supporter is saved; an old one is removed once no live
-- supporter's key holds it (a name changed, a supporter erased).
CREATE OR REPLACE FUNCTION ff_keep_search_words() RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.search_key IS NOT DISTINCT FROM NEW.search_key AND (OLD.erased_at IS NULL) = (NEW.erased_at IS NULL) THEN
    RETURN NULL;
  END IF;
  IF NEW.erased_at IS NULL THEN
    INSERT INTO public.supporter_search_words (word)
      SELECT DISTINCT w FROM unnest(string_to_array(NEW.search_key, ' ')) AS w WHERE length(w) >= 3
      ON CONFLICT DO NOTHING;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    DELETE FROM public.supporter_search_words d
      WHERE d.word = ANY (string_to_array(OLD.search_key, ' '))
        -- The first LIKE is what the trigram index answers; the second keeps whole words only.
        AND NOT EXISTS (SELECT 1 FROM public.supporters s WHERE s.erased_at IS NULL AND s.search_key LIKE '%' || d.word || '%'
                        AND ' ' || s.search_key || ' ' LIKE '% ' || d.word || ' %');
  END IF;
  RETURN NULL;
END;
$fn$;--> statement-breakpoint
CREATE TRIGGER supporters_search_words AFTER INSERT OR UPDATE OF name, address_city, erased_at ON supporters
  FOR EACH ROW EXECUTE FUNCTION ff_keep_search_words();--> statement-breakpoint
INSERT INTO supporter_search_words (word)
  SELECT DISTINCT w FROM supporters, unnest(string_to_array(search_key, ' ')) AS w
  WHERE erased_at IS NULL AND length(w) >= 3
  ON CONFLICT DO NOTHING;
