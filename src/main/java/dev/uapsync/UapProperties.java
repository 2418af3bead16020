package dev.uapsync;

import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.scheduling.support.CronExpression;

/**
 * Every setting of uap-user-sync, bound from the {@code uap.*} properties. Each has an
 * environment variable of the relaxed form: {@code uap.page-size} is
 * {@code UAP_PAGE_SIZE}. One more, {@code uap.load-data}, is read from the environment by
 * {@code SyncJobConfiguration.dataSourceTuning}, since the connection pool is set up
 * before these settings are bound.
 *
 * <p>
 * Values are checked when the application starts, so that a bad one fails before the
 * first request with a {@link ConfigurationException} naming the setting and the fix.
 */
@ConfigurationProperties("uap")
public class UapProperties implements InitializingBean {

	/**
	 * The largest page size accepted.
	 */
	public static final int MAX_PAGE_SIZE = 10_000;

	/**
	 * The largest commit interval accepted. A chunk's look-up lists its mobiles in one
	 * {@code IN}, and MySQL's range optimizer gives up the key, reading the whole table
	 * instead, past {@code range_optimizer_max_mem_size} (8 MB by default; about 230
	 * bytes a value by MySQL's manual, so near 36,000 values, fewer with longer keys). A
	 * chunk's users, its look-up and its list of users seen are also in memory at once.
	 */
	public static final int MAX_COMMIT_INTERVAL = 20_000;

	/**
	 * Base URL of the UAP API, e.g. {@code http://localhost:8000/api/v1}; the path
	 * {@code /apps/mapping/users} is appended. Required; no default.
	 */
	private @Nullable String baseUrl;

	/**
	 * The application's access token, sent as {@code X-App-Access-Token}. Either this or
	 * {@link #accessTokenFile} is required. Never logged, never stored.
	 */
	private @Nullable String accessToken;

	/**
	 * A file holding the access token (surrounding white space is ignored), for secrets
	 * mounted as files. Used when {@link #accessToken} is not set.
	 */
	private @Nullable Path accessTokenFile;

	/**
	 * Users asked for per page (the {@code limit} parameter). Default 100, from 2 to
	 * 10000: pages overlap by one user, to see whether the list shifted between them.
	 */
	private int pageSize = 100;

	/**
	 * Users written per transaction (the chunk size): each commit saves the offset a
	 * restart resumes at, so a failed sync reads again at most this many users. Default
	 * 5000, from 1 to 20000; need not be a multiple of the page size.
	 */
	private int commitInterval = 5000;

	/**
	 * Most rejected users one sync (with its restarts) may record before it fails.
	 * Default 1000; 0 fails the sync at the first reject.
	 */
	private int rejectLimit = 1000;

	/**
	 * Shortest time between two progress lines in the log; progress is logged at most
	 * once per chunk. Default 10 s; 0 logs every chunk.
	 */
	private Duration progressInterval = Duration.ofSeconds(10);

	/**
	 * Most requests per second to the UAP, retries included, so that a UAP of unknown
	 * size is not hammered. Default 0: no limit (one request at a time, each waiting for
	 * the previous answer, is the gentlest load there is).
	 */
	private double rateLimit;

	/**
	 * Pages requested at once: the reader asks for up to this many pages ahead of the one
	 * it reads, and still hands the users out in order, so the offset and restart stay
	 * exact. Helps when each answer takes long. Default 1, from 1 to 16.
	 */
	private int concurrency = 1;

	/**
	 * Whether the sync applies its own DDL ({@code sql/<db>/schema.sql}) at start-up.
	 * Default true; set false where a DBA applies it by hand and the sync's database user
	 * may not create tables.
	 */
	private boolean initializeSchema = true;

	private final Http http = new Http();

	private final Retry retry = new Retry();

	private final Schedule schedule = new Schedule();

	private final Status status = new Status();

	private final Delete delete = new Delete();

	public @Nullable String getBaseUrl() {
		return this.baseUrl;
	}

	public void setBaseUrl(@Nullable String baseUrl) {
		this.baseUrl = baseUrl;
	}

	public @Nullable String getAccessToken() {
		return this.accessToken;
	}

	public void setAccessToken(@Nullable String accessToken) {
		this.accessToken = accessToken;
	}

	public @Nullable Path getAccessTokenFile() {
		return this.accessTokenFile;
	}

	public void setAccessTokenFile(@Nullable Path accessTokenFile) {
		this.accessTokenFile = accessTokenFile;
	}

	public int getPageSize() {
		return this.pageSize;
	}

	public void setPageSize(int pageSize) {
		this.pageSize = pageSize;
	}

	public int getCommitInterval() {
		return this.commitInterval;
	}

	public void setCommitInterval(int commitInterval) {
		this.commitInterval = commitInterval;
	}

	public int getRejectLimit() {
		return this.rejectLimit;
	}

	public void setRejectLimit(int rejectLimit) {
		this.rejectLimit = rejectLimit;
	}

	public Duration getProgressInterval() {
		return this.progressInterval;
	}

	public void setProgressInterval(Duration progressInterval) {
		this.progressInterval = progressInterval;
	}

	public int getConcurrency() {
		return this.concurrency;
	}

	public void setConcurrency(int concurrency) {
		this.concurrency = concurrency;
	}

	public double getRateLimit() {
		return this.rateLimit;
	}

	public void setRateLimit(double rateLimit) {
		this.rateLimit = rateLimit;
	}

	public boolean isInitializeSchema() {
		return this.initializeSchema;
	}

	public void setInitializeSchema(boolean initializeSchema) {
		this.initializeSchema = initializeSchema;
	}

	public Http getHttp() {
		return this.http;
	}

	public Retry getRetry() {
		return this.retry;
	}

	public Schedule getSchedule() {
		return this.schedule;
	}

	public Status getStatus() {
		return this.status;
	}

	public Delete getDelete() {
		return this.delete;
	}

	@Override
	public void afterPropertiesSet() {
		if (this.pageSize < 2 || this.pageSize > MAX_PAGE_SIZE) {
			throw new ConfigurationException("UAP_PAGE_SIZE=" + this.pageSize + " is out of range: set it from 2 to "
					+ MAX_PAGE_SIZE + " (default 100)");
		}
		if (this.commitInterval < 1 || this.commitInterval > MAX_COMMIT_INTERVAL) {
			throw new ConfigurationException("UAP_COMMIT_INTERVAL=" + this.commitInterval
					+ " is out of range: set it from 1 to " + MAX_COMMIT_INTERVAL + " (default 5000)");
		}
		if (this.concurrency < 1 || this.concurrency > 16) {
			throw new ConfigurationException(
					"UAP_CONCURRENCY=" + this.concurrency + " is out of range: set it from 1 to 16 (default 1)");
		}
		if (this.rateLimit < 0) {
			throw new ConfigurationException(
					"UAP_RATE_LIMIT=" + this.rateLimit + " is negative: give requests per second, or 0 for no limit");
		}
		if (this.rejectLimit < 0) {
			throw new ConfigurationException(
					"UAP_REJECT_LIMIT=" + this.rejectLimit + " is negative: set it to 0 or more (default 1000)");
		}
		requirePositive(this.http.connectTimeout, "UAP_HTTP_CONNECT_TIMEOUT");
		requirePositive(this.http.readTimeout, "UAP_HTTP_READ_TIMEOUT");
		requirePositive(this.retry.delay, "UAP_RETRY_DELAY");
		requirePositive(this.retry.maxDelay, "UAP_RETRY_MAX_DELAY");
		if (this.retry.maxAttempts < 1) {
			throw new ConfigurationException("UAP_RETRY_MAX_ATTEMPTS=" + this.retry.maxAttempts
					+ " must be 1 or more (1 means no retry; default 5)");
		}
		if (this.retry.multiplier < 1) {
			throw new ConfigurationException(
					"UAP_RETRY_MULTIPLIER=" + this.retry.multiplier + " must be 1 or more (default 2)");
		}
		if (!CronExpression.isValidExpression(this.schedule.cron)) {
			throw new ConfigurationException("UAP_SCHEDULE_CRON='" + this.schedule.cron
					+ "' is not a cron expression: give six fields, second minute hour day month weekday, "
					+ "e.g. '0 0 2 * * *' for 02:00 every night");
		}
		requirePositive(this.status.maxAge, "UAP_STATUS_MAX_AGE");
		if (this.delete.maxRatio < 0 || this.delete.maxRatio > 1) {
			throw new ConfigurationException("UAP_DELETE_MAX_RATIO=" + this.delete.maxRatio
					+ " is not a share: set it from 0 to 1 (default 0.10)");
		}
		if (this.delete.maxCount != null && this.delete.maxCount < 0) {
			throw new ConfigurationException(
					"UAP_DELETE_MAX_COUNT=" + this.delete.maxCount + " is negative: set it to 0 or more, or unset it");
		}
		if (this.progressInterval.isNegative()) {
			throw new ConfigurationException(
					"UAP_PROGRESS_INTERVAL=" + this.progressInterval + " is negative: set it to 0 or more, e.g. 10s");
		}
	}

	private static void requirePositive(Duration duration, String name) {
		if (duration.isNegative() || duration.isZero()) {
			throw new ConfigurationException(name + "=" + duration + " must be positive, e.g. 5s");
		}
	}

	/**
	 * HTTP settings for the calls to the UAP.
	 */
	public static class Http {

		/**
		 * Longest wait for a TCP connection to the UAP. Default 5 s.
		 */
		private Duration connectTimeout = Duration.ofSeconds(5);

		/**
		 * Longest wait for a page's answer once the request is sent. Default 30 s.
		 */
		private Duration readTimeout = Duration.ofSeconds(30);

		public Duration getConnectTimeout() {
			return this.connectTimeout;
		}

		public void setConnectTimeout(Duration connectTimeout) {
			this.connectTimeout = connectTimeout;
		}

		public Duration getReadTimeout() {
			return this.readTimeout;
		}

		public void setReadTimeout(Duration readTimeout) {
			this.readTimeout = readTimeout;
		}

	}

	/**
	 * Retries of a page whose request failed in a way that may pass: HTTP 5xx or 429, a
	 * connection failure or timeout, a body that is not the expected JSON. Waits grow
	 * exponentially with jitter; a {@code Retry-After} header replaces the computed wait.
	 */
	public static class Retry {

		/**
		 * Most requests for one page, the first included. Default 5; 1 turns retries off.
		 */
		private int maxAttempts = 5;

		/**
		 * Wait before the first retry. Default 500 ms.
		 */
		private Duration delay = Duration.ofMillis(500);

		/**
		 * Longest computed wait between two attempts. Default 30 s.
		 */
		private Duration maxDelay = Duration.ofSeconds(30);

		/**
		 * Factor by which each wait grows. Default 2.
		 */
		private double multiplier = 2;

		/**
		 * Longest wait a {@code Retry-After} header may ask for. A UAP asking for longer
		 * fails the page at once, so that the sync neither hangs for hours nor ignores
		 * the request: restart it later. Default 5 min.
		 */
		private Duration maxRetryAfter = Duration.ofMinutes(5);

		public int getMaxAttempts() {
			return this.maxAttempts;
		}

		public void setMaxAttempts(int maxAttempts) {
			this.maxAttempts = maxAttempts;
		}

		public Duration getDelay() {
			return this.delay;
		}

		public void setDelay(Duration delay) {
			this.delay = delay;
		}

		public Duration getMaxDelay() {
			return this.maxDelay;
		}

		public void setMaxDelay(Duration maxDelay) {
			this.maxDelay = maxDelay;
		}

		public double getMultiplier() {
			return this.multiplier;
		}

		public Duration getMaxRetryAfter() {
			return this.maxRetryAfter;
		}

		public void setMaxRetryAfter(Duration maxRetryAfter) {
			this.maxRetryAfter = maxRetryAfter;
		}

		public void setMultiplier(double multiplier) {
			this.multiplier = multiplier;
		}

	}

	/**
	 * The long-running {@code schedule} mode.
	 */
	public static class Schedule {

		/**
		 * When to sync: a Spring cron expression of six fields (second, minute, hour, day
		 * of month, month, day of week). Default {@code 0 0 2 * * *}, 02:00 every night.
		 */
		private String cron = "0 0 2 * * *";

		/**
		 * The time zone of the cron expression and of the slot names. Default the
		 * system's.
		 */
		private ZoneId zone = ZoneId.systemDefault();

		public String getCron() {
			return this.cron;
		}

		public void setCron(String cron) {
			this.cron = cron;
		}

		public ZoneId getZone() {
			return this.zone;
		}

		public void setZone(ZoneId zone) {
			this.zone = zone;
		}

	}

	/**
	 * The {@code status} command.
	 */
	public static class Status {

		/**
		 * Oldest a last successful sync may be before {@code status} reports it stale and
		 * exits 1, for monitoring. Default 26 h: a nightly sync, plus slack.
		 */
		private Duration maxAge = Duration.ofHours(26);

		public Duration getMaxAge() {
			return this.maxAge;
		}

		public void setMaxAge(Duration maxAge) {
			this.maxAge = maxAge;
		}

	}

	/**
	 * The brake on soft deletion.
	 */
	public static class Delete {

		/**
		 * Largest share of the present users one pass may soft-delete; a pass that would
		 * soft-delete more deletes none and ends with exit code 4, until run with
		 * {@code --allow-mass-delete}. Default 0.10.
		 */
		private double maxRatio = 0.10;

		/**
		 * Most users one pass may soft-delete, the same way. Default unset (no limit but
		 * the ratio).
		 */
		private @Nullable Long maxCount;

		public double getMaxRatio() {
			return this.maxRatio;
		}

		public void setMaxRatio(double maxRatio) {
			this.maxRatio = maxRatio;
		}

		public @Nullable Long getMaxCount() {
			return this.maxCount;
		}

		public void setMaxCount(@Nullable Long maxCount) {
			this.maxCount = maxCount;
		}

	}

}
