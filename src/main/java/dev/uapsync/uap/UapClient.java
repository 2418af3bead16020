package dev.uapsync.uap;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;
import org.springframework.web.util.UriComponentsBuilder;

import dev.uapsync.ConfigurationException;

/**
 * Fetches pages of the UAP's full user list: {@code GET {base}/apps/mapping/users} with
 * {@code skip}, {@code limit} and the {@code X-App-Access-Token} header.
 *
 * <p>
 * Redirects are never followed, so the token is only ever sent to the configured host.
 * Every answer but a 200 with a body of the documented shape becomes a
 * {@link UapException} whose message names the page and what to check; a body without
 * {@code items} or {@code total} is an error, never an empty page.
 *
 * <p>
 * Thread safe: it holds no state between requests.
 */
public class UapClient {

	static final String USERS_PATH = "/apps/mapping/users";

	private static final int SNIPPET_LENGTH = 200;

	private static final Log logger = LogFactory.getLog(UapClient.class);

	private final URI usersUri;

	private final RestClient restClient;

	private final JsonMapper jsonMapper = JsonMapper.builder().build();

	/**
	 * Creates a client for the given base URL.
	 * @param baseUrl the UAP API base, e.g. {@code http://localhost:8000/api/v1}
	 * @param token the access token
	 * @param connectTimeout longest wait for a connection
	 * @param readTimeout longest wait for an answer
	 * @throws ConfigurationException when the base URL is missing or not an absolute
	 * http(s) URL
	 */
	public UapClient(@Nullable String baseUrl, AccessToken token, Duration connectTimeout, Duration readTimeout) {
		this.usersUri = usersUri(baseUrl);
		HttpClient httpClient = HttpClient.newBuilder()
			.connectTimeout(connectTimeout)
			.followRedirects(HttpClient.Redirect.NEVER)
			.version(HttpClient.Version.HTTP_1_1)
			.build();
		JdkClientHttpRequestFactory requestFactory = new JdkClientHttpRequestFactory(httpClient);
		requestFactory.setReadTimeout(readTimeout);
		this.restClient = RestClient.builder()
			.requestFactory(requestFactory)
			.defaultHeader("X-App-Access-Token", token.value())
			.defaultHeader("Accept", "application/json")
			.build();
	}

	private static URI usersUri(@Nullable String baseUrl) {
		if (baseUrl == null || baseUrl.isBlank()) {
			throw new ConfigurationException(
					"UAP_BASE_URL is not set: set it to the UAP API base, e.g. http://localhost:8000/api/v1");
		}
		URI base;
		try {
			base = new URI(baseUrl.strip());
		}
		catch (URISyntaxException ex) {
			throw new ConfigurationException("UAP_BASE_URL '" + baseUrl + "' is not a valid URL (" + ex.getReason()
					+ "): set it to the UAP API base, e.g. http://localhost:8000/api/v1");
		}
		String scheme = (base.getScheme() != null) ? base.getScheme().toLowerCase(Locale.ROOT) : "";
		if (!(scheme.equals("http") || scheme.equals("https")) || base.getHost() == null) {
			throw new ConfigurationException("UAP_BASE_URL '" + baseUrl
					+ "' is not an absolute http(s) URL: set it to the UAP API base, e.g. http://localhost:8000/api/v1");
		}
		if (base.getRawUserInfo() != null || base.getRawQuery() != null || base.getRawFragment() != null) {
			throw new ConfigurationException("UAP_BASE_URL must be scheme, host, port and path only, without "
					+ "user info, query or fragment: the token goes in UAP_ACCESS_TOKEN");
		}
		if (scheme.equals("http") && !isLoopback(base.getHost())) {
			logger.warn("UAP_BASE_URL uses plain http to " + base.getHost()
					+ ": the access token crosses the network unencrypted; use https");
		}
		String path = (base.getRawPath() != null) ? base.getRawPath().replaceAll("/+$", "") : "";
		return URI.create(scheme + "://" + base.getRawAuthority() + path + USERS_PATH);
	}

	private static boolean isLoopback(String host) {
		return host.equalsIgnoreCase("localhost") || host.startsWith("127.") || host.equals("[::1]");
	}

	/**
	 * Returns the address pages are fetched from, without query parameters.
	 * @return the users endpoint
	 */
	public URI usersUri() {
		return this.usersUri;
	}

	/**
	 * Fetches one page.
	 * @param offset the {@code skip} value
	 * @param limit the {@code limit} value
	 * @return the page, its users numbered from {@code offset}
	 * @throws UapException when the UAP cannot be reached or answers anything but a
	 * well-formed page; {@link UapException#isRetryable()} tells whether to ask again
	 */
	public UapPage fetch(long offset, int limit) {
		URI uri = UriComponentsBuilder.fromUri(this.usersUri)
			.queryParam("skip", offset)
			.queryParam("limit", limit)
			.build(true)
			.toUri();
		if (logger.isDebugEnabled()) {
			logger.debug("GET " + uri);
		}
		UapPage page;
		try {
			page = this.restClient.get()
				.uri(uri)
				.exchange((request, response) -> read(offset, limit, response.getStatusCode(), response.getHeaders(),
						response.getBody()));
		}
		catch (ResourceAccessException ex) {
			throw UapException
				.retryable("Cannot reach the UAP at " + this.usersUri.getAuthority() + " for the page at offset "
						+ offset + " (" + ioProblem(ex) + "): check UAP_BASE_URL, " + "the network and the UAP", ex);
		}
		if (logger.isDebugEnabled()) {
			logger.debug("Page at offset " + offset + ": " + page.users().size() + " users, total " + page.total());
		}
		return page;
	}

	private static String ioProblem(ResourceAccessException ex) {
		Throwable io = ex;
		for (Throwable cause = ex.getCause(); cause != null; cause = cause.getCause()) {
			if (cause instanceof IOException) {
				io = cause;
				break;
			}
		}
		String name = io.getClass().getSimpleName();
		return (io.getMessage() != null && io != ex) ? name + ": " + io.getMessage() : name;
	}

	private UapPage read(long offset, int limit, HttpStatusCode status, HttpHeaders headers, InputStream body)
			throws IOException {
		if (status.value() == 200) {
			return parse(offset, body.readAllBytes());
		}
		String where = "page at offset " + offset + " (limit " + limit + ")";
		if (status.value() == 401 || status.value() == 403) {
			throw UapException.permanent("UAP rejected the access token (HTTP " + status.value() + ") for the " + where
					+ ": check UAP_ACCESS_TOKEN (or the file in UAP_ACCESS_TOKEN_FILE) against the app's key "
					+ "in the UAP console, and that the app may read the user list");
		}
		if (status.is3xxRedirection()) {
			throw UapException.permanent("UAP answered HTTP " + status.value() + " redirecting to "
					+ headers.getFirst(HttpHeaders.LOCATION) + " for the " + where
					+ "; redirects are not followed, so that the token goes nowhere else: "
					+ "set UAP_BASE_URL to the final address");
		}
		byte[] bytes = body.readNBytes(64 * 1024);
		if (status.value() == 429) {
			Duration retryAfter = RetryAfter.parse(headers.getFirst(HttpHeaders.RETRY_AFTER), Instant.now());
			throw tooManyRequests(where, retryAfter);
		}
		if (status.value() == 408) {
			throw UapException.retryable("UAP timed out waiting for the request of the " + where + " (HTTP 408)", null);
		}
		if (status.is4xxClientError() || status.value() == 501 || status.value() == 505) {
			throw UapException.permanent("UAP refused the " + where + " with HTTP " + status.value() + ": "
					+ detail(bytes) + "; if it objects to limit, lower UAP_PAGE_SIZE");
		}
		// a 503 may say when to come back (maintenance), as a 429 does
		Duration retryAfter = (status.value() == 503)
				? RetryAfter.parse(headers.getFirst(HttpHeaders.RETRY_AFTER), Instant.now()) : null;
		throw new UapException("UAP failed the " + where + " with HTTP " + status.value()
				+ ((retryAfter != null) ? ", asking to wait " + retryAfter.toMillis() + " ms" : "") + ": "
				+ snippet(bytes), true, retryAfter, null);
	}

	private static UapException tooManyRequests(String where, @Nullable Duration retryAfter) {
		return new UapException("UAP answered HTTP 429 (too many requests) for the " + where
				+ ((retryAfter != null) ? ", asking to wait " + retryAfter.toMillis() + " ms" : "")
				+ ": if it persists, lower the request rate", true, retryAfter, null);
	}

	private UapPage parse(long offset, byte[] body) {
		JsonNode root;
		try {
			root = this.jsonMapper.readTree(body);
		}
		catch (JacksonException ex) {
			throw UapException.retryable("UAP answered the page at offset " + offset
					+ " with HTTP 200 but a body that is not JSON (" + ex.getOriginalMessage() + "): " + snippet(body),
					null);
		}
		if (root == null || !root.isObject()) {
			throw malformed(offset, "is not a JSON object", body);
		}
		JsonNode total = root.get("total");
		if (total == null || !total.isIntegralNumber() || !total.canConvertToLong() || total.longValue() < 0) {
			throw malformed(offset, "has no 'total' count", body);
		}
		JsonNode items = root.get("items");
		if (items == null || !items.isArray()) {
			throw malformed(offset, "has no 'items' list", body);
		}
		List<UapUser> users = new ArrayList<>(items.size());
		long position = offset;
		for (JsonNode item : items.values()) {
			users.add(toUser(position++, item));
		}
		return new UapPage(offset, total.longValue(), users);
	}

	private static UapException malformed(long offset, String problem, byte[] body) {
		return UapException.retryable("UAP answered the page at offset " + offset + " with HTTP 200 but the JSON "
				+ problem + " (expected {\"total\": n, \"items\": [...]}): " + snippet(body), null);
	}

	static UapUser toUser(long offset, JsonNode item) {
		if (!item.isObject()) {
			return new UapUser(offset, null, null, null, "the record is not a JSON object", item);
		}
		String problem = null;
		String mobile = null;
		JsonNode mobileNode = item.get("mobile");
		if (mobileNode != null && mobileNode.isIntegralNumber()) {
			mobile = mobileNode.asString();
		}
		else if (isStringOrAbsent(mobileNode)) {
			mobile = stringOrNull(mobileNode);
		}
		else {
			problem = "mobile is not a string";
		}
		JsonNode nameNode = item.get("name");
		JsonNode englishNameNode = item.get("english_name");
		if (!isStringOrAbsent(nameNode)) {
			problem = "name is not a string";
		}
		if (!isStringOrAbsent(englishNameNode)) {
			problem = "english_name is not a string";
		}
		return new UapUser(offset, mobile, stringOrNull(nameNode), stringOrNull(englishNameNode), problem, item);
	}

	private static boolean isStringOrAbsent(@Nullable JsonNode node) {
		return node == null || node.isNull() || node.isString();
	}

	private static @Nullable String stringOrNull(@Nullable JsonNode node) {
		return (node != null && node.isString()) ? node.stringValue() : null;
	}

	private String detail(byte[] body) {
		try {
			JsonNode detail = this.jsonMapper.readTree(body).get("detail");
			if (detail != null) {
				return "detail " + oneLine(detail.toString());
			}
		}
		catch (JacksonException ex) {
			// not JSON: show the start of the body instead
		}
		return snippet(body);
	}

	private static String snippet(byte[] body) {
		if (body.length == 0) {
			return "(empty body)";
		}
		String text = new String(body, 0, Math.min(body.length, SNIPPET_LENGTH * 4), StandardCharsets.UTF_8);
		return oneLine(text);
	}

	private static String oneLine(String text) {
		String line = text.replaceAll("\\s+", " ").strip();
		return (line.length() > SNIPPET_LENGTH) ? line.substring(0, SNIPPET_LENGTH) + "..." : line;
	}

}
