package dev.uapsync.demo;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import dev.uapsync.demo.DemoUsers.DemoUser;

/**
 * A small local UAP serving {@link DemoUsers} at {@code /api/v1/apps/mapping/users}, as
 * the real endpoint does: {@code skip} and {@code limit}, the {@code X-App-Access-Token}
 * header, {@code {"total", "items"}} answers, HTTP 401 for a wrong token and a
 * FastAPI-style 422 for a negative parameter. A {@code limit} above the largest page is
 * clamped without a word, as some servers do, or refused with 422.
 *
 * <p>
 * To show and test how the sync survives a bad night, it can also misbehave: answer a
 * share of requests with a random fault ({@link #faultRate(double)}: HTTP 500, 502 or 503
 * with an HTML body, 429 with {@code Retry-After}, a truncated body, a connection closed
 * without an answer, or an answer slower than {@link #slowAnswer(Duration)}), answer
 * every page from some offset on with 503 ({@link #failFrom(long)}), or take its time
 * over every request ({@link #delay(Duration)}).
 *
 * <p>
 * It listens on 127.0.0.1 only, unless started with {@code --all-interfaces}. Thread
 * safe.
 */
public final class DemoServer implements AutoCloseable {

	/**
	 * The API base path; the sync appends {@code /apps/mapping/users}.
	 */
	public static final String BASE_PATH = "/api/v1";

	private final HttpServer server;

	private final ExecutorService executor;

	private final DemoUsers users;

	private final @Nullable String token;

	private final int maxLimit;

	private final JsonMapper jsonMapper = JsonMapper.builder().build();

	/**
	 * The most users whose JSON is kept once made (about 150 MB of heap at the most).
	 */
	private static final long ITEM_CACHE_LIMIT = 1_500_000;

	private final @Nullable String @Nullable [] items;

	private final List<Long> servedOffsets = new CopyOnWriteArrayList<>();

	private final NavigableSet<Long> deleted = new TreeSet<>();

	private final NavigableMap<Long, Runnable> afterServing = new ConcurrentSkipListMap<>();

	private final Random faults = new Random(42);

	private int faultsSent;

	private volatile double faultRate;

	private volatile Duration slowAnswer = Duration.ofSeconds(40);

	private volatile long failFrom = Long.MAX_VALUE;

	private volatile Duration delay = Duration.ZERO;

	private volatile boolean rejectLargeLimit;

	private DemoServer(HttpServer server, DemoUsers users, @Nullable String token, int maxLimit) {
		this.server = server;
		this.users = users;
		this.token = token;
		this.maxLimit = maxLimit;
		this.items = (users.count() <= ITEM_CACHE_LIMIT) ? new String[(int) users.count()] : null;
		this.executor = Executors.newFixedThreadPool(4);
		server.setExecutor(this.executor);
		server.createContext(BASE_PATH + "/apps/mapping/users", this::handle);
	}

	/**
	 * Starts a server.
	 * @param port the port on 127.0.0.1, 0 for any free one
	 * @param users the users to serve
	 * @param token the token to require, or {@code null} to accept any non-empty token
	 * @param maxLimit the largest page; a larger {@code limit} is clamped to it
	 * @return the running server
	 * @throws IOException when the port cannot be bound
	 */
	public static DemoServer start(int port, DemoUsers users, @Nullable String token, int maxLimit) throws IOException {
		return start(InetAddress.getLoopbackAddress(), port, users, token, maxLimit);
	}

	private static DemoServer start(InetAddress address, int port, DemoUsers users, @Nullable String token,
			int maxLimit) throws IOException {
		// The JDK's server writes headers and body apart; with Nagle's algorithm and the
		// client's delayed ACK, every answer on a kept-alive connection then waits ~40
		// ms.
		// Read once, when the JDK server's configuration loads.
		System.setProperty("sun.net.httpserver.nodelay", "true");
		HttpServer server = HttpServer.create(new InetSocketAddress(address, port), 0);
		DemoServer demo = new DemoServer(server, users, token, maxLimit);
		server.start();
		return demo;
	}

	/**
	 * Returns the base URL to give the sync as {@code UAP_BASE_URL}.
	 * @return the base URL
	 */
	public String baseUrl() {
		return "http://127.0.0.1:" + this.server.getAddress().getPort() + BASE_PATH;
	}

	/**
	 * Answers this share of requests, from 0 to 1, with a random fault.
	 * @param faultRate the share of faulty answers
	 * @return this server
	 */
	public DemoServer faultRate(double faultRate) {
		this.faultRate = faultRate;
		return this;
	}

	/**
	 * Sets how long a slow answer takes: longer than the sync's read timeout, so it times
	 * out. Default 40 s.
	 * @param slowAnswer the time a slow answer takes
	 * @return this server
	 */
	public DemoServer slowAnswer(Duration slowAnswer) {
		this.slowAnswer = slowAnswer;
		return this;
	}

	/**
	 * Answers every page at this offset or later with HTTP 503, until called again with
	 * {@link Long#MAX_VALUE}.
	 * @param offset the first failing offset
	 * @return this server
	 */
	public DemoServer failFrom(long offset) {
		this.failFrom = offset;
		return this;
	}

	/**
	 * Waits this long before every answer, like a busy UAP.
	 * @param delay the wait
	 * @return this server
	 */
	public DemoServer delay(Duration delay) {
		this.delay = delay;
		return this;
	}

	/**
	 * Refuses a {@code limit} above the largest page with a FastAPI-style 422 rather than
	 * clamping it.
	 * @return this server
	 */
	public DemoServer rejectLargeLimit() {
		this.rejectLargeLimit = true;
		return this;
	}

	/**
	 * Returns the {@code skip} of every page answered with HTTP 200, in order.
	 * @return the offsets served
	 */
	public List<Long> servedOffsets() {
		return List.copyOf(this.servedOffsets);
	}

	@Override
	public void close() {
		this.server.stop(0);
		this.executor.shutdownNow();
	}

	private void handle(HttpExchange exchange) throws IOException {
		try (exchange) {
			if (!"GET".equals(exchange.getRequestMethod())) {
				send(exchange, 405, "{\"detail\":\"Method Not Allowed\"}");
				return;
			}
			String sent = exchange.getRequestHeaders().getFirst("X-App-Access-Token");
			if (sent == null || sent.isEmpty() || (this.token != null && !this.token.equals(sent))) {
				send(exchange, 401, "{\"detail\":\"Invalid or missing access token\"}");
				return;
			}
			Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
			Long skip = parse(query.getOrDefault("skip", "0"));
			Long limit = parse(query.getOrDefault("limit", "100"));
			if (skip == null || skip < 0 || limit == null || limit < 0) {
				send(exchange, 422, "{\"detail\":[{\"loc\":[\"query\",\""
						+ ((skip == null || skip < 0) ? "skip" : "limit")
						+ "\"],\"msg\":\"ensure this value is greater than or equal to 0\",\"type\":\"value_error\"}]}");
				return;
			}
			if (limit > this.maxLimit && this.rejectLargeLimit) {
				send(exchange, 422,
						"{\"detail\":[{\"loc\":[\"query\",\"limit\"],\"msg\":\"ensure this value is less than "
								+ "or equal to " + this.maxLimit + "\",\"type\":\"value_error.number.not_le\"}]}");
				return;
			}
			pause(this.delay);
			if (skip >= this.failFrom) {
				send(exchange, 503, "{\"detail\":\"Service Unavailable\"}");
				return;
			}
			String body = page(skip, Math.min(limit, this.maxLimit));
			if (!misbehave(exchange, body)) {
				this.servedOffsets.add(skip);
				// changed before the answer leaves, so that no later request,
				// however soon after it, finds the users unchanged
				Map.Entry<Long, Runnable> due = this.afterServing.floorEntry(skip);
				if (due != null && this.afterServing.remove(due.getKey(), due.getValue())) {
					due.getValue().run();
				}
				send(exchange, 200, body);
			}
		}
	}

	/**
	 * Answers with a fault at the configured rate, each kind in turn.
	 * @return whether it did
	 */
	private boolean misbehave(HttpExchange exchange, String body) throws IOException {
		int fault;
		synchronized (this.faults) {
			if (this.faults.nextDouble() >= this.faultRate) {
				return false;
			}
			fault = this.faultsSent++ % 7;
		}
		switch (fault) {
			case 0, 1, 2 -> sendText(exchange, (fault == 0) ? 500 : (fault == 1) ? 502 : 503,
					"<html><head><title>Bad Gateway</title></head><body>upstream unavailable</body></html>");
			case 3 -> {
				exchange.getResponseHeaders().set("Retry-After", "1");
				send(exchange, 429, "{\"detail\":\"Too Many Requests\"}");
			}
			case 4 -> send(exchange, 200, body.substring(0, body.length() / 2));
			case 5 -> {
				// the connection closes without an answer, as after a reset
			}
			default -> {
				pause(this.slowAnswer);
				send(exchange, 200, body);
			}
		}
		return true;
	}

	private static void pause(Duration duration) {
		if (duration.isZero()) {
			return;
		}
		try {
			Thread.sleep(duration.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static void sendText(HttpExchange exchange, int status, String html) throws IOException {
		byte[] body = html.getBytes(StandardCharsets.UTF_8);
		exchange.getResponseHeaders().set("Content-Type", "text/html");
		exchange.sendResponseHeaders(status, body.length);
		try (OutputStream out = exchange.getResponseBody()) {
			out.write(body);
		}
	}

	private String page(long skip, long limit) {
		long total;
		long[] indexes;
		synchronized (this.deleted) {
			total = this.users.count() - this.deleted.size();
			indexes = liveIndexes(skip, limit);
		}
		StringBuilder page = new StringBuilder(indexes.length * 100 + 40).append("{\"total\":")
			.append(total)
			.append(",\"items\":[");
		for (int i = 0; i < indexes.length; i++) {
			page.append((i > 0) ? "," : "").append(item(indexes[i]));
		}
		return page.append("]}").toString();
	}

	/**
	 * Returns the JSON of one user, made once and then kept when the users are few
	 * enough: so that the demo, which shares the machine with the sync it serves, costs
	 * that sync little time after the first pass.
	 */
	private String item(long index) {
		String[] cache = this.items;
		String json = (cache != null) ? cache[(int) index] : null;
		if (json == null) {
			DemoUser user = this.users.user(index);
			ObjectNode item = this.jsonMapper.createObjectNode();
			if (user.mobileAsNumber()) {
				item.put("mobile", Long.parseLong(user.rawMobile()));
			}
			else {
				item.put("mobile", user.rawMobile());
			}
			item.put("name", user.rawName());
			item.put("english_name", user.rawEnglishName());
			json = this.jsonMapper.writeValueAsString(item);
			if (cache != null) {
				// a race makes the same string twice, no harm
				cache[(int) index] = json;
			}
		}
		return json;
	}

	/**
	 * Returns the indexes of the users at positions {@code skip} to {@code skip + limit}
	 * of the list without the deleted ones. Called holding the lock on {@link #deleted}.
	 */
	private long[] liveIndexes(long skip, long limit) {
		long index = skip;
		for (long gone : this.deleted) {
			if (gone > index) {
				break;
			}
			index++;
		}
		List<Long> indexes = new ArrayList<>();
		while (indexes.size() < limit && index < this.users.count()) {
			if (!this.deleted.contains(index)) {
				indexes.add(index);
			}
			index++;
		}
		return indexes.stream().mapToLong(Long::longValue).toArray();
	}

	/**
	 * Deletes users: they are no longer listed, and the users after them move up.
	 * @param indexes the users' positions in the full generated list
	 * @return this server
	 */
	public DemoServer delete(long... indexes) {
		synchronized (this.deleted) {
			for (long index : indexes) {
				this.deleted.add(index);
			}
		}
		return this;
	}

	/**
	 * Lists deleted users again.
	 * @param indexes the users' positions in the full generated list
	 * @return this server
	 */
	public DemoServer restore(long... indexes) {
		synchronized (this.deleted) {
			for (long index : indexes) {
				this.deleted.remove(index);
			}
		}
		return this;
	}

	/**
	 * Runs an action once, when the first page at or past an offset has been made from
	 * the users as they were and before it is sent, to change the users while a sync
	 * pages through them.
	 * @param offset the offset
	 * @param action what to do
	 * @return this server
	 */
	public DemoServer afterServing(long offset, Runnable action) {
		this.afterServing.put(offset, action);
		return this;
	}

	private static void send(HttpExchange exchange, int status, String json) throws IOException {
		byte[] body = json.getBytes(StandardCharsets.UTF_8);
		exchange.getResponseHeaders().set("Content-Type", "application/json");
		exchange.sendResponseHeaders(status, body.length);
		try (OutputStream out = exchange.getResponseBody()) {
			out.write(body);
		}
	}

	private static Map<String, String> query(@Nullable String rawQuery) {
		Map<String, String> result = new HashMap<>();
		if (rawQuery != null) {
			for (String pair : rawQuery.split("&")) {
				int eq = pair.indexOf('=');
				if (eq > 0) {
					result.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
							URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
				}
			}
		}
		return result;
	}

	private static @Nullable Long parse(String value) {
		try {
			return Long.parseLong(value);
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

	/**
	 * Runs a demo server until the process is stopped: {@code demo-server [--port 8000]
	 * [--users 5000] [--seed 1] [--max-limit 1000] [--fault-percent 0] [--delay-ms 0]}. A
	 * fault percent above 0 makes that share of answers faulty; a renamed percent above 0
	 * serves the same users with that share renamed ({@link DemoUsers#withRenamed(int)}).
	 * It listens on 127.0.0.1 unless {@code --all-interfaces} is given (in a container,
	 * for other containers). It requires the token in {@code UAP_ACCESS_TOKEN} when that
	 * is set, and accepts any token otherwise.
	 * @param args the options
	 * @param out where to say where it listens
	 * @return never, unless the options are wrong (then 2)
	 * @throws Exception when the server cannot start
	 */
	public static int run(String[] arguments, PrintStream out) throws Exception {
		List<String> rest = new ArrayList<>(List.of(arguments));
		boolean allInterfaces = rest.remove("--all-interfaces");
		String[] args = rest.toArray(String[]::new);
		Map<String, Long> options = new HashMap<>(Map.of("--port", 8000L, "--users", 5000L, "--seed", 1L, "--max-limit",
				1000L, "--fault-percent", 0L, "--delay-ms", 0L, "--renamed-percent", 0L));
		for (int i = 0; i < args.length; i += 2) {
			Long value = (i + 1 < args.length) ? parse(args[i + 1]) : null;
			if (!options.containsKey(args[i]) || value == null || value < 0) {
				out.println("Usage: demo-server [--port 8000] [--users 5000] [--seed 1] [--max-limit 1000] "
						+ "[--fault-percent 0] [--delay-ms 0] [--renamed-percent 0] [--all-interfaces]");
				return 2;
			}
			options.put(args[i], value);
		}
		String token = System.getenv("UAP_ACCESS_TOKEN");
		DemoUsers users = new DemoUsers(options.get("--users"), options.get("--seed"))
			.withRenamed(Math.toIntExact(Math.min(100, options.get("--renamed-percent"))));
		if (options.get("--fault-percent") > 100) {
			out.println("--fault-percent is a share of the requests: give it from 0 to 100");
			return 2;
		}
		InetAddress address = allInterfaces ? InetAddress.getByName("0.0.0.0") : InetAddress.getLoopbackAddress();
		DemoServer server;
		try {
			server = start(address, Math.toIntExact(options.get("--port")), users, token,
					Math.toIntExact(options.get("--max-limit")));
		}
		catch (BindException ex) {
			out.println("Port " + options.get("--port") + " is in use: choose another with --port");
			return 2;
		}
		server.faultRate(options.get("--fault-percent") / 100.0).delay(Duration.ofMillis(options.get("--delay-ms")));
		out.println("Demo UAP serving " + users.count() + " users at " + server.baseUrl() + " (largest page "
				+ options.get("--max-limit") + "; "
				+ ((token != null) ? "requires the token in UAP_ACCESS_TOKEN" : "accepts any access token")
				+ "). Stop it with Ctrl-C.");
		Thread.currentThread().join();
		return 0;
	}

}
