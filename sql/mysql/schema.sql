-- uap-user-sync tables for MySQL 8 and MariaDB 10.5 or later. The job applies this file
-- at start-up; every statement is idempotent, so it is safe to run again, by hand or by
-- the job.
--
-- utf8mb4 so that any name, emoji included, round-trips; the binary collation so that the
-- upsert sees a change of case, of trailing space or between two emoji as a change (the
-- _ci collations call such values equal).

-- The mirror: one row per UAP user, keyed by the normalized mobile.
-- created_at is set when the row is inserted; updated_at moves only when name or
-- english_name really changed. Times are the database session's time.
CREATE TABLE IF NOT EXISTS uap_user (
	mobile VARCHAR(32) NOT NULL PRIMARY KEY,
	name VARCHAR(255) NULL,
	english_name VARCHAR(255) NULL,
	created_at DATETIME(3) NOT NULL,
	updated_at DATETIME(3) NOT NULL,
	-- set when a consistent pass no longer saw the user at the UAP; NULL while it exists
	deleted_at DATETIME(3) NULL,
	-- the job instance (a sync with its restarts) that last wrote the user: inserted it,
	-- changed its names or restored it; a pass that sees it unchanged lists it in
	-- uap_sync_seen_list instead
	last_seen_instance BIGINT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The users a pass saw but did not write (unchanged, or stored and now rejected): one
-- row per chunk, written with it, its mobiles sorted and comma separated. The deletion
-- step reads them to find the users no longer at the UAP, then empties the table up to
-- its pass.
CREATE TABLE IF NOT EXISTS uap_sync_seen_list (
	id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	job_instance_id BIGINT NOT NULL,
	users INT NOT NULL,
	mobiles MEDIUMTEXT NOT NULL,
	INDEX uap_sync_seen_list_instance (job_instance_id)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

-- Users seen by a dry run (sync --dry-run), which changes nothing in uap_user; emptied
-- when the dry run ends.
CREATE TABLE IF NOT EXISTS uap_sync_seen (
	job_instance_id BIGINT NOT NULL,
	mobile VARCHAR(32) NOT NULL,
	PRIMARY KEY (job_instance_id, mobile)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Records refused by validation, one row per record and sync execution, kept as received.
CREATE TABLE IF NOT EXISTS uap_user_reject (
	id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	job_execution_id BIGINT NOT NULL,
	item_offset BIGINT NOT NULL,
	raw_mobile TEXT NULL,
	raw_record MEDIUMTEXT NOT NULL,
	reason VARCHAR(255) NOT NULL,
	rejected_at DATETIME(3) NOT NULL,
	INDEX uap_user_reject_execution (job_execution_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
