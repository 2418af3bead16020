package dev.uapsync.store;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * The SQL of soft deletion: users present in {@code uap_user} that a pass did not see.
 *
 * <p>
 * A real pass writes the users it inserts, changes or restores with its job instance
 * ({@code last_seen_instance}) and lists the others it sees, one row per chunk, in
 * {@code uap_sync_seen_list}. The unseen users are those present, not written by the pass
 * (or a later one), and not listed by it (or a later one). They are found by reading the
 * present users not written, in pages in the order of their mobiles, against the pass's
 * listed mobiles held in a set. When the pass listed more than {@code partitionUsers}
 * mobiles, the set holds one share of them at a time (by the mobile's hash), and the
 * present users are read once for each share, so that the memory this takes does not grow
 * with the users.
 *
 * <p>
 * A dry run lists every user it sees in {@code uap_sync_seen} instead, and changes
 * nothing.
 */
public class SoftDeletes {

	/**
	 * How many listed mobiles one share holds, by default: at 16 bytes each (a number in
	 * a half-empty table), 32 MB.
	 */
	static final int PARTITION_USERS = 2_000_000;

	// "older than this pass", not "other than": users a later pass wrote are never unseen
	private static final String NOT_WRITTEN = "deleted_at IS NULL AND (last_seen_instance IS NULL "
			+ "OR last_seen_instance < ?)";

	private static final String UNSEEN_BY_DRY_RUN = "deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM uap_sync_seen s "
			+ "WHERE s.job_instance_id = :instance AND s.mobile = uap_user.mobile)";

	// the unseen users a count keeps, so that deleting them needs no second reading
	private static final int KEPT = 10_000;

	// present users read at a time
	private static final int PAGE = 10_000;

	// seen lists read at a time, at most
	private static final int LISTS = 100;

	// listed mobiles read at a time, about: a list holds a chunk's, up to 20,000
	private static final int LISTED_MOBILES = 200_000;

	private final NamedParameterJdbcTemplate named;

	private final JdbcTemplate jdbc;

	private final SqlDialect dialect;

	private final int partitionUsers;

	public SoftDeletes(DataSource dataSource, SqlDialect dialect) {
		this(dataSource, dialect, PARTITION_USERS);
	}

	SoftDeletes(DataSource dataSource, SqlDialect dialect, int partitionUsers) {
		this.named = new NamedParameterJdbcTemplate(dataSource);
		this.jdbc = this.named.getJdbcTemplate();
		this.dialect = dialect;
		this.partitionUsers = partitionUsers;
	}

	/**
	 * Counts the users present, that is not soft-deleted.
	 * @return the count
	 */
	public long present() {
		Long count = this.jdbc.queryForObject("SELECT COUNT(*) FROM uap_user WHERE deleted_at IS NULL", Long.class);
		return (count != null) ? count : 0;
	}

	/**
	 * Finds the present users a pass did not see.
	 * @param instance the pass's job instance
	 * @param dryRun whether the pass was a dry run
	 * @return how many, with their mobiles when there are few
	 */
	public Unseen unseen(long instance, boolean dryRun) {
		if (dryRun) {
			Long count = this.named.queryForObject("SELECT COUNT(*) FROM uap_user WHERE " + UNSEEN_BY_DRY_RUN,
					new MapSqlParameterSource("instance", instance), Long.class);
			return new Unseen((count != null) ? count : 0, null);
		}
		List<String> kept = new ArrayList<>();
		long count = scan(instance, (mobiles) -> {
			if (kept.size() + mobiles.size() <= KEPT) {
				kept.addAll(mobiles);
			}
		});
		return new Unseen(count, (count == kept.size()) ? kept : null);
	}

	/**
	 * Soft-deletes the present users a (real) pass did not see.
	 * @param instance the pass's job instance
	 * @param unseen what {@link #unseen} found for it, in the same transaction
	 * @return how many
	 */
	public long softDelete(long instance, Unseen unseen) {
		if (unseen.mobiles() != null) {
			return delete(unseen.mobiles());
		}
		long[] deleted = { 0 };
		scan(instance, (mobiles) -> deleted[0] += delete(mobiles));
		return deleted[0];
	}

	/**
	 * Counts the users a pass listed as seen, as its lists now stand.
	 * @param instance the pass's job instance
	 * @return the count
	 */
	public long listedUsers(long instance) {
		Long listed = this.jdbc.queryForObject(
				"SELECT COALESCE(SUM(users), 0) FROM uap_sync_seen_list WHERE job_instance_id = ?", Long.class,
				instance);
		return (listed != null) ? listed : 0;
	}

	/**
	 * Forgets what a pass that ends saw, and what passes before it saw: failed ones,
	 * which a later completed pass makes impossible to restart.
	 * @param instance the job instance of the pass
	 */
	public void forget(long instance) {
		this.jdbc.update("DELETE FROM uap_sync_seen WHERE job_instance_id <= ?", instance);
		this.jdbc.update("DELETE FROM uap_sync_seen_list WHERE job_instance_id <= ?", instance);
	}

	/**
	 * Reads the present users not written by the pass, in pages, and hands on those it
	 * did not list either.
	 * @return how many were handed on
	 */
	private long scan(long instance, Consumer<List<String>> unseen) {
		// the users listed by this pass and later ones, and in how many lists
		long[] listed = this.jdbc.queryForObject(
				"SELECT COALESCE(SUM(users), 0), COUNT(*) FROM uap_sync_seen_list WHERE job_instance_id >= ?",
				(rs, row) -> new long[] { rs.getLong(1), rs.getLong(2) }, instance);
		long total = listed[0];
		// as many lists at a time as hold about LISTED_MOBILES, so that large chunks do
		// not make large reads
		int atATime = (int) Math.max(1, Math.min(LISTS, LISTED_MOBILES * listed[1] / Math.max(total, 1)));
		int partitions = (int) (total / this.partitionUsers + 1);
		long count = 0;
		for (int partition = 0; partition < partitions; partition++) {
			SeenMobiles seen = listed(instance, partition, partitions, (int) Math.min(total / partitions + 1, 1 << 22),
					atATime);
			String after = null;
			while (true) {
				// the first page from the start, each further one after the last mobile
				// read
				List<String> page = this.jdbc.queryForList(
						"SELECT mobile FROM uap_user WHERE " + ((after == null) ? "" : "mobile > ? AND ") + NOT_WRITTEN
								+ " ORDER BY mobile LIMIT " + PAGE,
						String.class, (after == null) ? new Object[] { instance } : new Object[] { after, instance });
				List<String> notSeen = new ArrayList<>();
				for (String mobile : page) {
					if (partitionOf(mobile, partitions) == partition && !seen.contains(mobile)) {
						notSeen.add(mobile);
					}
				}
				if (!notSeen.isEmpty()) {
					count += notSeen.size();
					unseen.accept(notSeen);
				}
				if (page.size() < PAGE) {
					break;
				}
				after = page.get(page.size() - 1);
			}
		}
		return count;
	}

	/**
	 * Reads the pass's listed mobiles of one partition, {@code atATime} lists at a time.
	 */
	private SeenMobiles listed(long instance, int partition, int partitions, int expected, int atATime) {
		SeenMobiles seen = new SeenMobiles(expected);
		long after = -1;
		while (true) {
			long[] last = { after };
			int[] rows = { 0 };
			this.jdbc.query(
					"SELECT id, mobiles FROM uap_sync_seen_list WHERE job_instance_id >= ? AND id > ? ORDER BY id LIMIT "
							+ atATime,
					(rs) -> {
						last[0] = rs.getLong(1);
						rows[0]++;
						String mobiles = rs.getString(2);
						int start = 0;
						while (start < mobiles.length()) {
							int end = mobiles.indexOf(',', start);
							if (end < 0) {
								end = mobiles.length();
							}
							String mobile = mobiles.substring(start, end);
							if (partitionOf(mobile, partitions) == partition) {
								seen.add(mobile);
							}
							start = end + 1;
						}
					}, instance, after);
			if (rows[0] < atATime) {
				return seen;
			}
			after = last[0];
		}
	}

	private static int partitionOf(String mobile, int partitions) {
		return (partitions == 1) ? 0 : Math.floorMod(mobile.hashCode(), partitions);
	}

	private long delete(List<String> mobiles) {
		long deleted = 0;
		for (int from = 0; from < mobiles.size(); from += 1000) {
			List<String> batch = mobiles.subList(from, Math.min(mobiles.size(), from + 1000));
			deleted += this.named.update(
					"UPDATE uap_user SET deleted_at = " + this.dialect.now()
							+ " WHERE deleted_at IS NULL AND mobile IN (:mobiles)",
					new MapSqlParameterSource("mobiles", batch));
		}
		return deleted;
	}

	/**
	 * A set of mobiles, each that is digits (up to 17, with an optional leading
	 * {@code +}) kept as a number in an open-addressing table, 16 bytes a mobile where a
	 * set of strings takes about 100; the rest as strings.
	 */
	static final class SeenMobiles {

		private long[] numbers;

		private int size;

		private final Set<String> others = new HashSet<>();

		SeenMobiles(int expected) {
			this.numbers = new long[Integer.highestOneBit(Math.max(expected, 8) * 2 - 1) << 1];
		}

		void add(String mobile) {
			long number = number(mobile);
			if (number == 0) {
				this.others.add(mobile);
				return;
			}
			if ((this.size + 1) * 2 > this.numbers.length) {
				long[] old = this.numbers;
				this.numbers = new long[old.length * 2];
				this.size = 0;
				for (long kept : old) {
					if (kept != 0) {
						put(kept);
					}
				}
			}
			put(number);
		}

		boolean contains(String mobile) {
			long number = number(mobile);
			if (number == 0) {
				return this.others.contains(mobile);
			}
			int mask = this.numbers.length - 1;
			for (int slot = slot(number, mask);; slot = (slot + 1) & mask) {
				if (this.numbers[slot] == number) {
					return true;
				}
				if (this.numbers[slot] == 0) {
					return false;
				}
			}
		}

		private void put(long number) {
			int mask = this.numbers.length - 1;
			for (int slot = slot(number, mask);; slot = (slot + 1) & mask) {
				if (this.numbers[slot] == number) {
					return;
				}
				if (this.numbers[slot] == 0) {
					this.numbers[slot] = number;
					this.size++;
					return;
				}
			}
		}

		private static int slot(long number, int mask) {
			return (int) ((number * 0x9E3779B97F4A7C15L) >>> 32) & mask;
		}

		/**
		 * The mobile as a number that tells it from every other: its digits' value, their
		 * count (so that leading zeros count) and whether a {@code +} leads; never 0.
		 * @return the number, or 0 when the mobile is not 1 to 17 digits after an
		 * optional {@code +}
		 */
		static long number(String mobile) {
			int start = (!mobile.isEmpty() && mobile.charAt(0) == '+') ? 1 : 0;
			int digits = mobile.length() - start;
			if (digits < 1 || digits > 17) {
				return 0;
			}
			long value = 0;
			for (int i = start; i < mobile.length(); i++) {
				char c = mobile.charAt(i);
				if (c < '0' || c > '9') {
					return 0;
				}
				value = value * 10 + (c - '0');
			}
			// 10^17 < 2^57: the value, then 5 bits of digit count, then the plus
			return ((long) start << 62) | ((long) digits << 57) | value;
		}

	}

	/**
	 * The present users a pass did not see.
	 *
	 * @param count how many
	 * @param mobiles their mobiles, when a real pass found at most a few thousand; else
	 * null
	 */
	public record Unseen(long count, @Nullable List<String> mobiles) {

	}

}
