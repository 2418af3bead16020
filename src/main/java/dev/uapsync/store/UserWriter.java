package dev.uapsync.store;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.batch.core.job.parameters.JobParameter;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamWriter;
import org.springframework.batch.infrastructure.item.database.JdbcBatchItemWriter;
import org.springframework.batch.infrastructure.item.database.builder.JdbcBatchItemWriterBuilder;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

import dev.uapsync.CommittedContext;
import dev.uapsync.user.SyncItem;
import dev.uapsync.user.UserNormalizer;

import dev.uapsync.user.SyncItem.NormalizedUser;
import dev.uapsync.user.SyncItem.RejectedUser;

/**
 * Writes a chunk of processed records: users are upserted into {@code uap_user} by
 * mobile, rejects are inserted into {@code uap_user_reject}, both in the chunk's
 * transaction.
 *
 * <p>
 * Before upserting, one query reads the chunk's users as stored, so that each user is
 * counted as inserted, updated or unchanged and only new or changed rows are sent, as one
 * JDBC batch on MySQL and one statement on H2 ({@link SqlDialect#upsert}). The counts
 * therefore do not depend on the update counts a driver reports (MySQL's rewritten
 * batches report none), and the upsert does not assert them: a row that turns out
 * unchanged when written was changed by someone else meanwhile, which is no lost write. A
 * mobile seen twice in one chunk is written once, with its last values. On MySQL and
 * MariaDB, when the server allows it, the new users go in with
 * {@code LOAD DATA LOCAL INFILE} instead ({@link LocalInfileLoader}), which checks that
 * each is stored as sent.
 *
 * <p>
 * The users the chunk sees but does not write (unchanged, or stored and now rejected) are
 * recorded as seen by one row of {@code uap_sync_seen_list} (in a dry run, by rows of
 * {@code uap_sync_seen}); those it writes carry the pass in {@code last_seen_instance}.
 * The deletion step reads both ({@link SoftDeletes}).
 *
 * <p>
 * Restart: the counts are saved in the step's execution context with each chunk, standing
 * only if its transaction commits ({@link CommittedContext}), and restored on open, so
 * they cover the whole sync, restarts included. The reject limit applies to that total.
 *
 * <p>
 * Not thread safe: one step thread writes.
 */
public class UserWriter implements ItemStreamWriter<SyncItem>, StepExecutionListener {

	private static final Log logger = LogFactory.getLog(UserWriter.class);

	private static final String SEEN_LIST_SQL = "INSERT INTO uap_sync_seen_list (job_instance_id, users, mobiles) "
			+ "VALUES (?, ?, ?)";

	/**
	 * Execution context key of the users inserted.
	 */
	public static final String INSERTED_KEY = "userWriter.inserted";

	/**
	 * Execution context key of the users whose name or English name changed.
	 */
	public static final String UPDATED_KEY = "userWriter.updated";

	/**
	 * Execution context key of the users found as stored.
	 */
	public static final String UNCHANGED_KEY = "userWriter.unchanged";

	/**
	 * Execution context key of the records rejected.
	 */
	public static final String REJECTED_KEY = "userWriter.rejected";

	/**
	 * Execution context key of the users listed in {@code uap_sync_seen_list}: the
	 * deletion step checks that its lists are all still there.
	 */
	public static final String LISTED_KEY = "userWriter.listed";

	/**
	 * Execution context key of the soft-deleted users seen again, and so restored.
	 */
	public static final String RESTORED_KEY = "userWriter.restored";

	/**
	 * The non-identifying job parameter of a dry run: read and count everything, change
	 * nothing in {@code uap_user} or {@code uap_user_reject}.
	 */
	public static final String DRY_RUN = "dry.run";

	private final NamedParameterJdbcTemplate jdbc;

	private final JdbcBatchItemWriter<RejectedUser> rejectWriter;

	private final int rejectLimit;

	private final SqlDialect dialect;

	private final String dryRunSeenSql;

	private final @Nullable LocalInfileLoader loader;

	private boolean loadData;

	private boolean previousAllNew;

	private long jobExecutionId;

	private long jobInstanceId;

	private boolean dryRun;

	private long inserted;

	private long updated;

	private long unchanged;

	private long rejected;

	private long restored;

	private long listed;

	/**
	 * Creates a writer.
	 * @param dataSource the database of {@code uap_user}
	 * @param dialect its dialect
	 * @param rejectLimit the most rejects one sync may record before it fails
	 */
	public UserWriter(DataSource dataSource, SqlDialect dialect, int rejectLimit) {
		this(dataSource, dialect, rejectLimit, null);
	}

	/**
	 * Creates a writer that inserts new users with {@code LOAD DATA LOCAL INFILE} where
	 * the server allows it.
	 * @param dataSource the database of {@code uap_user}
	 * @param dialect its dialect
	 * @param rejectLimit the most rejects one sync may record before it fails
	 * @param loader the loader on MySQL and MariaDB; null inserts with {@code INSERT}
	 */
	public UserWriter(DataSource dataSource, SqlDialect dialect, int rejectLimit, @Nullable LocalInfileLoader loader) {
		this.loader = loader;
		this.jdbc = new NamedParameterJdbcTemplate(dataSource);
		this.rejectLimit = rejectLimit;
		this.dialect = dialect;
		this.dryRunSeenSql = dialect.seenSql();
		this.rejectWriter = new JdbcBatchItemWriterBuilder<RejectedUser>().dataSource(dataSource)
			.sql("INSERT INTO uap_user_reject (job_execution_id, item_offset, raw_mobile, raw_record, reason, "
					+ "rejected_at) VALUES (?, ?, ?, ?, ?, " + dialect.now() + ")")
			.itemPreparedStatementSetter(this::setReject)
			.build();
	}

	@Override
	public void beforeStep(StepExecution stepExecution) {
		this.jobExecutionId = stepExecution.getJobExecutionId();
		this.jobInstanceId = stepExecution.getJobExecution().getJobInstanceId();
		this.dryRun = isDryRun(stepExecution.getJobExecution().getJobParameters());
		this.loadData = this.loader != null && !this.dryRun
				&& LocalInfileLoader.serverAllows(this.jdbc.getJdbcOperations());
		if (this.loader != null && !this.dryRun && !this.loadData) {
			logger.info("New users are inserted with INSERT statements: the server's local_infile is OFF. "
					+ "SET GLOBAL local_infile = ON lets the sync load them with LOAD DATA LOCAL INFILE, "
					+ "faster; UAP_LOAD_DATA=false silences this line");
		}
	}

	/**
	 * Tells whether a sync is a dry run.
	 * @param parameters its job parameters
	 * @return whether the {@link #DRY_RUN} parameter is true
	 */
	public static boolean isDryRun(JobParameters parameters) {
		JobParameter<?> dryRun = parameters.getParameter(DRY_RUN);
		return dryRun != null && Boolean.parseBoolean(String.valueOf(dryRun.value()));
	}

	@Override
	public void open(ExecutionContext executionContext) {
		this.inserted = executionContext.getLong(INSERTED_KEY, 0L);
		this.updated = executionContext.getLong(UPDATED_KEY, 0L);
		this.unchanged = executionContext.getLong(UNCHANGED_KEY, 0L);
		this.rejected = executionContext.getLong(REJECTED_KEY, 0L);
		this.restored = executionContext.getLong(RESTORED_KEY, 0L);
		this.listed = executionContext.getLong(LISTED_KEY, 0L);
		this.previousAllNew = false;
	}

	@Override
	public void update(ExecutionContext executionContext) {
		CommittedContext.put(executionContext,
				Map.of(INSERTED_KEY, this.inserted, UPDATED_KEY, this.updated, UNCHANGED_KEY, this.unchanged,
						REJECTED_KEY, this.rejected, RESTORED_KEY, this.restored, LISTED_KEY, this.listed));
	}

	@Override
	public void write(Chunk<? extends SyncItem> chunk) throws Exception {
		List<NormalizedUser> users = new ArrayList<>(chunk.size());
		List<RejectedUser> rejects = new ArrayList<>();
		for (SyncItem item : chunk) {
			if (item instanceof NormalizedUser user) {
				users.add(user);
			}
			else if (item instanceof RejectedUser reject) {
				rejects.add(reject);
			}
		}
		writeUsers(users, writeRejects(rejects));
	}

	/**
	 * Inserts the chunk's rejects.
	 * @return the valid mobiles among them: a stored user whose record is now rejected (a
	 * name grown too long) still exists at the UAP, so it is recorded as seen, and not
	 * soft-deleted
	 */
	private Set<String> writeRejects(List<RejectedUser> rejects) throws Exception {
		if (rejects.isEmpty()) {
			return Set.of();
		}
		long total = this.rejected + rejects.size();
		if (total > this.rejectLimit) {
			throw new RejectLimitExceededException(this.rejected, this.dryRun, rejects, this.rejectLimit,
					this.jobExecutionId);
		}
		if (!this.dryRun) {
			this.rejectWriter.write(new Chunk<>(rejects));
		}
		this.rejected = total;
		return rejects.stream()
			.map((reject) -> UserNormalizer.mobile(reject.source().mobile()))
			.filter(UserNormalizer::isValidMobile)
			.collect(Collectors.toCollection(LinkedHashSet::new));
	}

	private void recordSeen(Set<String> mobiles) {
		if (mobiles.isEmpty()) {
			return;
		}
		if (this.dryRun) {
			this.jdbc.getJdbcOperations()
				.batchUpdate(this.dryRunSeenSql,
						mobiles.stream().map((mobile) -> new Object[] { this.jobInstanceId, mobile }).toList());
		}
		else {
			// one row for the chunk rather than a write to each user's row: in an
			// unchanged
			// sync of a million users on MariaDB, 0.3 s of server time against 7.5 s
			List<String> sorted = new ArrayList<>(mobiles);
			Collections.sort(sorted);
			this.jdbc.getJdbcOperations()
				.update(SEEN_LIST_SQL, this.jobInstanceId, sorted.size(), String.join(",", sorted));
			this.listed += sorted.size();
		}
	}

	private void writeUsers(List<NormalizedUser> users, Set<String> rejectMobiles) throws Exception {
		if (users.isEmpty() || loadedAllNew(users)) {
			recordSeen(rejectMobiles);
			return;
		}
		Map<String, Stored> stored = readStored(users);
		Map<String, NormalizedUser> written = new LinkedHashMap<>();
		Set<String> fresh = new LinkedHashSet<>();
		Set<String> seen = new LinkedHashSet<>();
		long newInserted = 0;
		long newUpdated = 0;
		long newUnchanged = 0;
		long newRestored = 0;
		for (NormalizedUser user : users) {
			Stored before = stored.put(user.mobile(), new Stored(user.name(), user.englishName(), false));
			seen.add(user.mobile());
			if (before == null) {
				newInserted++;
				fresh.add(user.mobile());
				written.put(user.mobile(), user);
				continue;
			}
			if (before.deleted()) {
				newRestored++;
				written.put(user.mobile(), user);
			}
			if (Objects.equals(before.name(), user.name())
					&& Objects.equals(before.englishName(), user.englishName())) {
				newUnchanged++;
			}
			else {
				newUpdated++;
				written.put(user.mobile(), user);
			}
		}
		// the rejects' mobiles too: one list row for the looked-up chunk
		seen.addAll(rejectMobiles);
		if (!this.dryRun && !written.isEmpty()) {
			write(written, fresh);
			seen.removeAll(written.keySet());
		}
		recordSeen(seen);
		this.inserted += newInserted;
		this.updated += newUpdated;
		this.unchanged += newUnchanged;
		this.restored += newRestored;
		this.previousAllNew = newInserted == users.size();
	}

	private static boolean distinct(List<NormalizedUser> users) {
		// a set sized for the chunk: a stream's distinct() grows one from 16 entries,
		// rehashing on the way, which showed in the profile of a fresh sync
		Set<String> mobiles = new HashSet<>(users.size() * 2);
		for (NormalizedUser user : users) {
			if (!mobiles.add(user.mobile())) {
				return false;
			}
		}
		return true;
	}

	/**
	 * Loads a chunk's users without looking them up first, when the chunk before was all
	 * new users (a first sync, or many users added): all or none
	 * ({@link LocalInfileLoader#insertIfAllNew}). The look-up costs about as much server
	 * time as the load.
	 * @return whether every user was inserted; if not, none was, and the chunk takes the
	 * look-up
	 */
	private boolean loadedAllNew(List<NormalizedUser> users) {
		if (this.dryRun || !this.previousAllNew || !this.loadData || this.loader == null || !distinct(users)) {
			return false;
		}
		try {
			if (!this.loader.insertIfAllNew(this.jdbc.getJdbcOperations(), users, this.jobInstanceId)) {
				return false;
			}
		}
		catch (LoadDataException ex) {
			if (!ex.isRefusal()) {
				throw ex;
			}
			refused(ex);
			return false;
		}
		this.inserted += users.size();
		return true;
	}

	private void refused(LoadDataException ex) {
		// nothing was stored: the chunk's transaction goes on, with INSERT from here
		logger.warn(ex.getMessage() + "; new users are inserted with INSERT statements for the rest of this "
				+ "sync; set UAP_LOAD_DATA=false to silence this line");
		this.loadData = false;
	}

	private void write(Map<String, NormalizedUser> written, Set<String> fresh) {
		if (!this.loadData || this.loader == null || fresh.isEmpty()) {
			this.dialect.upsert(this.jdbc.getJdbcOperations(), new ArrayList<>(written.values()), this.jobInstanceId);
			return;
		}
		List<NormalizedUser> inserts = new ArrayList<>(fresh.size());
		List<NormalizedUser> upserts = new ArrayList<>(written.size() - fresh.size());
		written.forEach((mobile, user) -> (fresh.contains(mobile) ? inserts : upserts).add(user));
		try {
			this.loader.insert(this.jdbc.getJdbcOperations(), inserts, this.jobInstanceId);
		}
		catch (LoadDataException ex) {
			if (!ex.isRefusal()) {
				throw ex;
			}
			refused(ex);
			upserts.addAll(inserts);
		}
		if (!upserts.isEmpty()) {
			this.dialect.upsert(this.jdbc.getJdbcOperations(), upserts, this.jobInstanceId);
		}
	}

	private Map<String, Stored> readStored(List<NormalizedUser> users) {
		List<String> mobiles = users.stream().map(NormalizedUser::mobile).distinct().toList();
		Map<String, Stored> stored = new HashMap<>(mobiles.size() * 2);
		this.dialect.queryStored(this.jdbc, mobiles, (rs) -> {
			stored.put(rs.getString(1), new Stored(rs.getString(2), rs.getString(3), rs.getBoolean(4)));
		});
		return stored;
	}

	/**
	 * A user as stored before the chunk.
	 */
	private record Stored(@Nullable String name, @Nullable String englishName, boolean deleted) {

	}

	private void setReject(RejectedUser reject, PreparedStatement statement) throws SQLException {
		statement.setLong(1, this.jobExecutionId);
		statement.setLong(2, reject.source().offset());
		statement.setString(3, reject.source().mobile());
		statement.setString(4, reject.source().sourceJson());
		statement.setString(5, reject.reason());
	}

}
