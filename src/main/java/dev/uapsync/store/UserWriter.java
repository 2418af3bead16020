package dev.uapsync.store;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import javax.sql.DataSource;

import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamWriter;
import org.springframework.batch.infrastructure.item.database.JdbcBatchItemWriter;
import org.springframework.batch.infrastructure.item.database.builder.JdbcBatchItemWriterBuilder;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

import dev.uapsync.CommittedContext;
import dev.uapsync.user.SyncItem;

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
 * JDBC batch. The counts therefore do not depend on the update counts a driver reports
 * (MySQL's rewritten batches report none), and the upsert does not assert them: a row
 * that turns out unchanged when written was changed by someone else meanwhile, which is
 * no lost write. A mobile seen twice in one chunk is written once, with its last values.
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

	private static final String SELECT_SQL = "SELECT mobile, name, english_name FROM uap_user WHERE mobile IN (:mobiles)";

	private final NamedParameterJdbcTemplate jdbc;

	private final JdbcBatchItemWriter<NormalizedUser> upsertWriter;

	private final JdbcBatchItemWriter<RejectedUser> rejectWriter;

	private final int rejectLimit;

	private long jobExecutionId;

	private long inserted;

	private long updated;

	private long unchanged;

	private long rejected;

	/**
	 * Creates a writer.
	 * @param dataSource the database of {@code uap_user}
	 * @param dialect its dialect
	 * @param rejectLimit the most rejects one sync may record before it fails
	 */
	public UserWriter(DataSource dataSource, SqlDialect dialect, int rejectLimit) {
		this.jdbc = new NamedParameterJdbcTemplate(dataSource);
		this.rejectLimit = rejectLimit;
		this.upsertWriter = new JdbcBatchItemWriterBuilder<NormalizedUser>().dataSource(dataSource)
			.sql(dialect.upsertSql())
			.itemPreparedStatementSetter(UserWriter::setUser)
			.assertUpdates(false)
			.build();
		this.rejectWriter = new JdbcBatchItemWriterBuilder<RejectedUser>().dataSource(dataSource)
			.sql("INSERT INTO uap_user_reject (job_execution_id, item_offset, raw_mobile, raw_record, reason, "
					+ "rejected_at) VALUES (?, ?, ?, ?, ?, " + dialect.now() + ")")
			.itemPreparedStatementSetter(this::setReject)
			.build();
	}

	@Override
	public void beforeStep(StepExecution stepExecution) {
		this.jobExecutionId = stepExecution.getJobExecutionId();
	}

	@Override
	public void open(ExecutionContext executionContext) {
		this.inserted = executionContext.getLong(INSERTED_KEY, 0L);
		this.updated = executionContext.getLong(UPDATED_KEY, 0L);
		this.unchanged = executionContext.getLong(UNCHANGED_KEY, 0L);
		this.rejected = executionContext.getLong(REJECTED_KEY, 0L);
	}

	@Override
	public void update(ExecutionContext executionContext) {
		CommittedContext.put(executionContext, Map.of(INSERTED_KEY, this.inserted, UPDATED_KEY, this.updated,
				UNCHANGED_KEY, this.unchanged, REJECTED_KEY, this.rejected));
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
		writeRejects(rejects);
		writeUsers(users);
	}

	private void writeRejects(List<RejectedUser> rejects) throws Exception {
		if (rejects.isEmpty()) {
			return;
		}
		long total = this.rejected + rejects.size();
		if (total > this.rejectLimit) {
			throw new RejectLimitExceededException(total, this.rejectLimit, this.jobExecutionId);
		}
		this.rejectWriter.write(new Chunk<>(rejects));
		this.rejected = total;
	}

	private void writeUsers(List<NormalizedUser> users) throws Exception {
		if (users.isEmpty()) {
			return;
		}
		Map<String, NormalizedUser> stored = readStored(users);
		Map<String, NormalizedUser> changed = new LinkedHashMap<>();
		long newInserted = 0;
		long newUpdated = 0;
		long newUnchanged = 0;
		for (NormalizedUser user : users) {
			NormalizedUser before = stored.put(user.mobile(), user);
			if (before == null) {
				newInserted++;
			}
			else if (Objects.equals(before.name(), user.name())
					&& Objects.equals(before.englishName(), user.englishName())) {
				newUnchanged++;
				continue;
			}
			else {
				newUpdated++;
			}
			changed.put(user.mobile(), user);
		}
		if (!changed.isEmpty()) {
			this.upsertWriter.write(new Chunk<>(new ArrayList<>(changed.values())));
		}
		this.inserted += newInserted;
		this.updated += newUpdated;
		this.unchanged += newUnchanged;
	}

	private Map<String, NormalizedUser> readStored(List<NormalizedUser> users) {
		List<String> mobiles = users.stream().map(NormalizedUser::mobile).distinct().toList();
		Map<String, NormalizedUser> stored = new HashMap<>(mobiles.size() * 2);
		this.jdbc.query(SELECT_SQL, new MapSqlParameterSource("mobiles", mobiles), (rs) -> {
			NormalizedUser user = new NormalizedUser(rs.getString(1), rs.getString(2), rs.getString(3));
			stored.put(user.mobile(), user);
		});
		return stored;
	}

	private static void setUser(NormalizedUser user, PreparedStatement statement) throws SQLException {
		statement.setString(1, user.mobile());
		statement.setString(2, user.name());
		statement.setString(3, user.englishName());
	}

	private void setReject(RejectedUser reject, PreparedStatement statement) throws SQLException {
		statement.setLong(1, this.jobExecutionId);
		statement.setLong(2, reject.source().offset());
		statement.setString(3, reject.source().mobile());
		statement.setString(4, reject.source().sourceJson());
		statement.setString(5, reject.reason());
	}

}
