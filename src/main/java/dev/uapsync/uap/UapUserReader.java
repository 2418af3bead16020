package dev.uapsync.uap;

import java.util.Collections;
import java.util.Iterator;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

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
 * Restart: {@link #update(ExecutionContext)} saves the offset and the first and last
 * {@code total} seen. The step calls it inside each chunk's transaction, after the
 * chunk's users are written, and the values stand only if that transaction commits
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

	private Iterator<UapUser> page = Collections.emptyIterator();

	private boolean exhausted;

	public UapUserReader(PageFetcher pages, int pageSize) {
		this(pages, pageSize, 1);
	}

	/**
	 * Creates a reader.
	 * @param pages fetches the pages
	 * @param pageSize the {@code limit} asked for
	 * @param concurrency how many pages may be requested at once, ahead of the one read
	 * ({@link PagePrefetch}); 1 asks for each page when it is needed
	 */
	public UapUserReader(PageFetcher pages, int pageSize, int concurrency) {
		this.pages = pages;
		this.pageSize = pageSize;
		this.concurrency = concurrency;
	}

	@Override
	public void open(ExecutionContext executionContext) {
		this.offset = executionContext.getLong(OFFSET_KEY, 0L);
		this.firstTotal = executionContext.getLong(FIRST_TOTAL_KEY, UNKNOWN);
		this.lastTotal = executionContext.getLong(LAST_TOTAL_KEY, UNKNOWN);
		this.totalChanged = executionContext.getLong(TOTAL_CHANGED_KEY, 0L);
		this.startOffset = this.offset;
		this.page = Collections.emptyIterator();
		this.exhausted = false;
		this.prefetch = new PagePrefetch(this.pages, this.pageSize, this.concurrency);
		if (this.offset > 0) {
			logger.info("Resuming at offset " + this.offset + " (UAP total was " + this.lastTotal + ")");
		}
	}

	@Override
	public @Nullable UapUser read() {
		if (!this.page.hasNext() && !fetchNextPage()) {
			return null;
		}
		UapUser user = this.page.next();
		this.offset = user.offset() + 1;
		return user;
	}

	private boolean fetchNextPage() {
		if (this.exhausted || (this.lastTotal != UNKNOWN && this.offset >= this.lastTotal)) {
			this.exhausted = true;
			return false;
		}
		UapPage next = this.prefetch.fetch(this.offset, this.lastTotal);
		if (this.firstTotal == UNKNOWN) {
			this.firstTotal = next.total();
		}
		else if (next.total() != this.firstTotal) {
			this.totalChanged = 1;
		}
		this.lastTotal = next.total();
		if (next.users().isEmpty()) {
			if (this.offset < next.total()) {
				logger.warn("The UAP sent an empty page at offset " + this.offset + " although its total is "
						+ next.total() + ": the read ends here, as an empty page means the end of the list");
			}
			this.exhausted = true;
			return false;
		}
		this.page = next.users().iterator();
		return true;
	}

	@Override
	public void update(ExecutionContext executionContext) {
		CommittedContext.put(executionContext, Map.of(OFFSET_KEY, this.offset, FIRST_TOTAL_KEY, this.firstTotal,
				LAST_TOTAL_KEY, this.lastTotal, TOTAL_CHANGED_KEY, this.totalChanged));
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
