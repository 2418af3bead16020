package dev.uapsync.uap;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.batch.core.job.JobInterruptedException;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamReader;

import dev.uapsync.CommittedContext;

/**
 * Reads every user of the UAP, page by page, in the UAP's order.
 *
 * <p>
 * The state is the offset of the next user to hand out. It advances by the users actually
 * received, never by the page size asked for, so a server that clamps {@code limit} loses
 * nothing; a short page is not the end. Reading ends at an empty page, or once the offset
 * reaches the {@code total} the UAP last reported.
 *
 * <p>
 * Pages overlap by one user: after the first, each page is asked for one user early, at
 * {@code offset - 1}, and must begin with the user the reader handed out last. When it
 * does not, users were added or removed before that offset while the sync paged, so later
 * offsets shifted and a user may have slipped past unseen: the reader notes the offset
 * ({@link #SHIFTED_AT_KEY}), which makes the pass inconsistent, and hands out the page
 * whole, its first user included, since that user may be one not yet seen. As long as the
 * UAP keeps its users in one order, a user can only slip past a page boundary where the
 * overlap differs, so a pass without a noted shift (and with the same {@code total} from
 * start to end) has seen every user that was listed all along.
 *
 * <p>
 * Restart: {@link #update(ExecutionContext)} saves the offset, the first and last
 * {@code total} seen, and a fingerprint of the last user handed out (a hash, not the
 * mobile). The step calls it inside each chunk's transaction, after the chunk's users are
 * written, and the values stand only if that transaction commits
 * ({@link CommittedContext}): the saved offset is always that of the first uncommitted
 * user. On {@link #open(ExecutionContext)} the reader fetches its first page from there,
 * even in the middle of a page.
 *
 * <p>
 * Not thread safe: one step thread reads.
 */
public class UapUserReader implements ItemStreamReader<UapUser> {

	/**
	 * Execution context key of the offset of the next user to read.
	 */
	public static final String OFFSET_KEY = "uapUserReader.offset";

	/**
	 * Execution context key of the UAP's {@code total} at the sync's first page.
	 */
	public static final String FIRST_TOTAL_KEY = "uapUserReader.total.first";

	/**
	 * Execution context key of the UAP's {@code total} at the latest page.
	 */
	public static final String LAST_TOTAL_KEY = "uapUserReader.total.last";

	/**
	 * Execution context key set to 1 when any page reported another {@code total} than
	 * the first (pages fetched ahead may be handed out after one that came later).
	 */
	public static final String TOTAL_CHANGED_KEY = "uapUserReader.total.changed";

	/**
	 * Execution context key of the first offset at which a page did not begin with the
	 * user the page before ended with, or -1.
	 */
	public static final String SHIFTED_AT_KEY = "uapUserReader.shiftedAt";

	/**
	 * Execution context key of the offset of a page boundary that could not be checked,
	 * or -1: a restart from a state saved by an earlier version, which kept no
	 * fingerprint of the last user.
	 */
	public static final String UNCHECKED_AT_KEY = "uapUserReader.uncheckedAt";

	/**
	 * Execution context key of the fingerprint of the last user handed out.
	 */
	static final String LAST_USER_KEY = "uapUserReader.lastUser";

	private static final long UNKNOWN = -1;

	private static final Log logger = LogFactory.getLog(UapUserReader.class);

	private final PageFetcher pages;

	private final int pageSize;

	private final int concurrency;

	private @Nullable PagePrefetch prefetch;

	private long startOffset;

	private long offset;

	private long firstTotal = UNKNOWN;

	private long lastTotal = UNKNOWN;

	private long totalChanged;

	private long shiftedAt = UNKNOWN;

	private long uncheckedAt = UNKNOWN;

	private @Nullable UapUser lastUser;

	private @Nullable String restoredLastUser;

	private Iterator<UapUser> page = Collections.emptyIterator();

	private boolean exhausted;

	private final BooleanSupplier stopRequested;

	public UapUserReader(PageFetcher pages, int pageSize) {
		this(pages, pageSize, 1, () -> false);
	}

	/**
	 * Creates a reader.
	 * @param pages fetches the pages
	 * @param pageSize the {@code limit} asked for
	 * @param concurrency how many pages may be requested at once, ahead of the one read
	 * ({@link PagePrefetch}); with 1, the next page is requested as soon as the one
	 * before is taken, while its users are handed out
	 * @param stopRequested whether the sync is asked to stop: then the reader takes no
	 * further page and throws {@link JobInterruptedException}, so that a chunk of many
	 * pages does not hold a stop until its end
	 */
	public UapUserReader(PageFetcher pages, int pageSize, int concurrency, BooleanSupplier stopRequested) {
		this.pages = pages;
		this.pageSize = pageSize;
		this.concurrency = concurrency;
		this.stopRequested = stopRequested;
	}

	@Override
	public void open(ExecutionContext executionContext) {
		this.offset = executionContext.getLong(OFFSET_KEY, 0L);
		this.firstTotal = executionContext.getLong(FIRST_TOTAL_KEY, UNKNOWN);
		this.lastTotal = executionContext.getLong(LAST_TOTAL_KEY, UNKNOWN);
		this.totalChanged = executionContext.getLong(TOTAL_CHANGED_KEY, 0L);
		this.shiftedAt = executionContext.getLong(SHIFTED_AT_KEY, UNKNOWN);
		this.uncheckedAt = executionContext.getLong(UNCHECKED_AT_KEY, UNKNOWN);
		this.restoredLastUser = executionContext.containsKey(LAST_USER_KEY) ? executionContext.getString(LAST_USER_KEY)
				: null;
		this.lastUser = null;
		this.startOffset = this.offset;
		this.page = Collections.emptyIterator();
		this.exhausted = false;
		this.prefetch = new PagePrefetch(this.pages, this.pageSize, this.concurrency);
		if (this.offset > 0) {
			logger.info("Resuming at offset " + this.offset + " (UAP total was " + this.lastTotal + ")");
		}
	}

	@Override
	public @Nullable UapUser read() throws JobInterruptedException {
		if (!this.page.hasNext()) {
			if (atEnd()) {
				this.exhausted = true;
				return null;
			}
			if (this.stopRequested.getAsBoolean()) {
				// the step rolls the chunk in progress back and ends STOPPED
				throw new JobInterruptedException("Stopped by a shutdown signal between two pages");
			}
			if (!fetchNextPage()) {
				return null;
			}
		}
		UapUser user = this.page.next();
		this.offset = user.offset() + 1;
		this.lastUser = user;
		return user;
	}

	/**
	 * Whether the read is over without asking for another page: an empty page came, or
	 * the offset reached the {@code total} of the latest answer.
	 */
	private boolean atEnd() {
		return this.exhausted || (this.lastTotal != UNKNOWN && this.offset >= this.lastTotal);
	}

	private boolean fetchNextPage() {
		UapPage next = this.prefetch.fetch(this.offset, this.lastTotal);
		if (this.firstTotal == UNKNOWN) {
			this.firstTotal = next.total();
		}
		else if (next.total() != this.firstTotal) {
			this.totalChanged = 1;
		}
		this.lastTotal = next.total();
		List<UapUser> users = next.users();
		if (next.offset() == 0 && users.size() == 1 && this.pageSize > 1 && next.total() > 1) {
			// later pages would bring only the user asked for early: the end, it seems
			throw UapException.permanent("The UAP sent one user for the page at offset 0 (limit " + this.pageSize
					+ ") although its total is " + next.total() + ": if it serves one user a page, the sync cannot "
					+ "read it, since it asks each page for one user early to see whether the list shifted; ask the "
					+ "UAP's operators to allow a larger limit");
		}
		if (this.offset > 0 && !users.isEmpty()) {
			users = afterOverlap(users);
		}
		if (users.isEmpty()) {
			if (this.offset < next.total()) {
				logger.warn("The UAP sent an empty page at offset " + this.offset + " although its total is "
						+ next.total() + ": the read ends here, as an empty page means the end of the list");
			}
			this.exhausted = true;
			return false;
		}
		this.page = users.iterator();
		return true;
	}

	/**
	 * Checks that a page asked for at {@code offset - 1} begins with the last user handed
	 * out, and returns the users after it; or, when it begins with another user, notes
	 * the shift and returns the page whole.
	 */
	private List<UapUser> afterOverlap(List<UapUser> users) {
		String expected = (this.lastUser != null) ? fingerprint(this.lastUser) : this.restoredLastUser;
		if (expected == null) {
			// restarted from a state saved without the last user: the page is taken to
			// begin with it, as asked, but that cannot be checked
			if (this.uncheckedAt == UNKNOWN) {
				this.uncheckedAt = this.offset;
				logger.warn("Resuming a sync saved by an earlier version, which did not record the user its last "
						+ "page ended with: the page at offset " + (this.offset - 1) + " cannot be checked for users "
						+ "added or removed, so this pass deletes nobody");
			}
			return users.subList(1, users.size());
		}
		if (fingerprint(users.get(0)).equals(expected)) {
			return users.subList(1, users.size());
		}
		if (this.shiftedAt == UNKNOWN) {
			this.shiftedAt = this.offset;
			logger.warn("The page at offset " + (this.offset - 1) + " did not begin with the user the page before "
					+ "ended with: users were added or removed before it while the sync paged, so this pass "
					+ "cannot tell who is gone and deletes nobody");
		}
		return users;
	}

	/**
	 * Identifies a user across pages by its raw mobile (by its whole record when it has
	 * none), hashed so that no mobile is kept in the batch tables.
	 */
	static String fingerprint(UapUser user) {
		String identity = (user.mobile() != null) ? "mobile:" + user.mobile() : "record:" + user.sourceJson();
		try {
			byte[] digest = MessageDigest.getInstance("SHA-256").digest(identity.getBytes(StandardCharsets.UTF_8));
			return HexFormat.of().formatHex(digest, 0, 12);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("Every Java runtime has SHA-256", ex);
		}
	}

	@Override
	public void update(ExecutionContext executionContext) {
		Map<String, Object> state = new HashMap<>(Map.<String, Object>of(OFFSET_KEY, this.offset, FIRST_TOTAL_KEY,
				this.firstTotal, LAST_TOTAL_KEY, this.lastTotal, TOTAL_CHANGED_KEY, this.totalChanged, SHIFTED_AT_KEY,
				this.shiftedAt, UNCHECKED_AT_KEY, this.uncheckedAt));
		String last = (this.lastUser != null) ? fingerprint(this.lastUser) : this.restoredLastUser;
		if (last != null) {
			state.put(LAST_USER_KEY, last);
		}
		CommittedContext.put(executionContext, state);
	}

	@Override
	public void close() {
		this.page = Collections.emptyIterator();
		if (this.prefetch != null) {
			this.prefetch.close();
			this.prefetch = null;
		}
	}

	/**
	 * Returns the offset of the next user to hand out: the number of users read so far in
	 * this sync, restarts included.
	 * @return the offset
	 */
	public long offset() {
		return this.offset;
	}

	/**
	 * Returns the offset this execution started at: 0, or where a restart resumed.
	 * @return the start offset
	 */
	public long startOffset() {
		return this.startOffset;
	}

	/**
	 * Returns the {@code total} of the UAP's latest answer, or -1 before the first.
	 * @return the last total seen
	 */
	public long lastTotal() {
		return this.lastTotal;
	}

	/**
	 * Returns the {@code total} of the first answer of this sync, or -1 before it.
	 * @return the first total seen
	 */
	public long firstTotal() {
		return this.firstTotal;
	}

}
