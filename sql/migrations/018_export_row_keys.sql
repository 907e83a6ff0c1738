-- 018_export_row_keys: an export row's wave and organisation are those of
-- its response, and go with it.
--
-- export_row (005) referenced wave and organisation besides its response.
-- Both are its response's own (every writer copies them from the response
-- row: the trigger of 015, the submit of 016), and both went with the
-- response already: deleting an organisation deletes its responses, which
-- delete their export rows (ON DELETE CASCADE on response_id); a wave with
-- responses cannot be deleted. Each reference still cost every submission
-- a check of its own, a lookup and a row lock of the wave's and the
-- organisation's rows (measured: 15 of the 87 µs of database time a
-- submission adds to its batch). The reference to the response stays.

ALTER TABLE export_row
	DROP CONSTRAINT export_row_wave_id_fkey,
	DROP CONSTRAINT export_row_organisation_id_fkey;
