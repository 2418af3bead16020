package dev.uapsync.store;

import javax.sql.DataSource;

import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * The SQL of soft deletion: users present in {@code uap_user} that a pass did not see. A
 * real pass marks every user it sees with its job instance ({@code last_seen_instance});
 * a dry run lists them in {@code uap_sync_seen} instead, and changes nothing.
 */
public class SoftDeletes {

	// "older than this pass", not "other than": users a later pass saw are never unseen
	private static final String UNSEEN = "deleted_at IS NULL AND (last_seen_instance IS NULL "
			+ "OR last_seen_instance < :instance)";

	private static final String UNSEEN_BY_DRY_RUN = "deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM uap_sync_seen s "
			+ "WHERE s.job_instance_id = :instance AND s.mobile = uap_user.mobile)";

	private final NamedParameterJdbcTemplate jdbc;

	private final SqlDialect dialect;

	public SoftDeletes(DataSource dataSource, SqlDialect dialect) {
		this.jdbc = new NamedParameterJdbcTemplate(dataSource);
		this.dialect = dialect;
	}

	/**
	 * Counts the users present, that is not soft-deleted.
	 * @return the count
	 */
	public long present() {
		return count("deleted_at IS NULL", 0);
	}

	/**
	 * Counts the present users a pass did not see.
	 * @param instance the pass's job instance
	 * @param dryRun whether the pass was a dry run
	 * @return the count
	 */
	public long unseen(long instance, boolean dryRun) {
		return count(dryRun ? UNSEEN_BY_DRY_RUN : UNSEEN, instance);
	}

	/**
	 * Soft-deletes the present users a (real) pass did not see.
	 * @param instance the pass's job instance
	 * @return how many
	 */
	public long softDelete(long instance) {
		return this.jdbc.update("UPDATE uap_user SET deleted_at = " + this.dialect.now() + " WHERE " + UNSEEN,
				new MapSqlParameterSource("instance", instance));
	}

	/**
	 * Forgets what dry runs saw, up to a pass that ends: its own list, and those of
	 * failed dry runs before it, which a later completed pass makes impossible to
	 * restart.
	 * @param instance the job instance of the pass
	 */
	public void forgetDryRuns(long instance) {
		this.jdbc.update("DELETE FROM uap_sync_seen WHERE job_instance_id <= :instance",
				new MapSqlParameterSource("instance", instance));
	}

	private long count(String where, long instance) {
		Long count = this.jdbc.queryForObject("SELECT COUNT(*) FROM uap_user WHERE " + where,
				new MapSqlParameterSource("instance", instance), Long.class);
		return (count != null) ? count : 0;
	}

}
