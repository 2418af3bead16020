-- The view of `java -jar uap-user-sync.jar status`, as plain SQL for MySQL 8 and MariaDB,
-- read from the Spring Batch tables (for DBAs and dashboards). Counts come from the step's
-- execution context (JSON), and cover the sync up to the end of each execution, earlier
-- executions of the same job instance included.

-- 1. The recent syncs, newest first.
SELECT e.JOB_EXECUTION_ID AS execution_id,
	COALESCE((SELECT CONCAT('slot ', p.PARAMETER_VALUE) FROM BATCH_JOB_EXECUTION_PARAMS p
			WHERE p.JOB_EXECUTION_ID = e.JOB_EXECUTION_ID AND p.PARAMETER_NAME = 'slot'),
		(SELECT CONCAT('manual ', p.PARAMETER_VALUE) FROM BATCH_JOB_EXECUTION_PARAMS p
			WHERE p.JOB_EXECUTION_ID = e.JOB_EXECUTION_ID AND p.PARAMETER_NAME = 'run.id')) AS sync_trigger,
	e.STATUS AS status,
	e.EXIT_CODE AS exit_code,
	e.EXIT_MESSAGE AS exit_message,
	e.START_TIME AS start_time,
	e.END_TIME AS end_time,
	TIMESTAMPDIFF(SECOND, e.START_TIME, COALESCE(e.END_TIME, NOW())) AS duration_s,
	CAST(JSON_EXTRACT(c.SHORT_CONTEXT, '$."uapUserReader.offset"[1]') AS SIGNED) AS users_read,
	CAST(JSON_EXTRACT(c.SHORT_CONTEXT, '$."userWriter.inserted"[1]') AS SIGNED)
		+ CAST(JSON_EXTRACT(c.SHORT_CONTEXT, '$."userWriter.updated"[1]') AS SIGNED) AS users_written,
	CAST(JSON_EXTRACT(c.SHORT_CONTEXT, '$."userWriter.rejected"[1]') AS SIGNED) AS users_rejected,
	COALESCE(CAST(JSON_EXTRACT(dc.SHORT_CONTEXT, '$."softDelete.deleted"[1]') AS SIGNED), 0) AS users_soft_deleted,
	COALESCE(CAST(JSON_EXTRACT(c.SHORT_CONTEXT, '$."userWriter.restored"[1]') AS SIGNED), 0) AS users_restored,
	s.READ_SKIP_COUNT + s.PROCESS_SKIP_COUNT + s.WRITE_SKIP_COUNT AS skipped,
	CASE WHEN e.STATUS IN ('FAILED', 'STOPPED')
		THEN CAST(JSON_EXTRACT(c.SHORT_CONTEXT, '$."uapUserReader.offset"[1]') AS SIGNED) END AS resume_offset,
	CAST(JSON_EXTRACT(c.SHORT_CONTEXT, '$."uapUserReader.total.last"[1]') AS SIGNED) AS uap_total
FROM BATCH_JOB_EXECUTION e
JOIN BATCH_JOB_INSTANCE i ON i.JOB_INSTANCE_ID = e.JOB_INSTANCE_ID AND i.JOB_NAME = 'uapUserSyncJob'
LEFT JOIN BATCH_STEP_EXECUTION s ON s.JOB_EXECUTION_ID = e.JOB_EXECUTION_ID AND s.STEP_NAME = 'uapUserSyncStep'
LEFT JOIN BATCH_STEP_EXECUTION_CONTEXT c ON c.STEP_EXECUTION_ID = s.STEP_EXECUTION_ID
LEFT JOIN BATCH_STEP_EXECUTION d ON d.JOB_EXECUTION_ID = e.JOB_EXECUTION_ID AND d.STEP_NAME = 'uapUserDeleteStep'
LEFT JOIN BATCH_STEP_EXECUTION_CONTEXT dc ON dc.STEP_EXECUTION_ID = d.STEP_EXECUTION_ID
ORDER BY e.JOB_EXECUTION_ID DESC
LIMIT 10;

-- 2. The last successful sync and its age in seconds; no row when none has completed.
SELECT e.JOB_EXECUTION_ID AS execution_id,
	e.END_TIME AS end_time,
	TIMESTAMPDIFF(SECOND, e.END_TIME, NOW()) AS age_s
FROM BATCH_JOB_EXECUTION e
JOIN BATCH_JOB_INSTANCE i ON i.JOB_INSTANCE_ID = e.JOB_INSTANCE_ID AND i.JOB_NAME = 'uapUserSyncJob'
WHERE e.STATUS = 'COMPLETED'
ORDER BY e.JOB_EXECUTION_ID DESC
LIMIT 1;
