-- A scale call the platform failed on its side (5xx) used to keep the
-- platform's own message in `detail` (hosts, queries, stack traces: its
-- insides), and the audit page and CSV showed it to anyone who may read
-- them. Since then that message goes to the log only; records written
-- before are brought in line. Portable SQL, as every migration here.
UPDATE audit
SET detail = 'The EverAI API failed on its side (' || CAST(upstream_status AS TEXT) || '). Its own message was not kept.'
WHERE upstream_status >= 500
  AND detail <> ''
  AND detail NOT LIKE 'The EverAI API failed on its side (%';
