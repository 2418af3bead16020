package dev.uapsync.uap;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;

import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.uapsync.ConfigurationException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link UapClient} against a local HTTP server.
 */
class UapClientTests {

	private static final String TOKEN = "secret-token-4711";

	private final MockWebServer server = new MockWebServer();

	private UapClient client;

	@BeforeEach
	void start() throws IOException {
		this.server.start(InetAddress.getLoopbackAddress(), 0);
		this.client = client("http://127.0.0.1:" + this.server.getPort() + "/api/v1");
	}

	@AfterEach
	void stop() {
		this.server.close();
	}

	private static UapClient client(String baseUrl) {
		return new UapClient(baseUrl, AccessToken.resolve(TOKEN, null), Duration.ofSeconds(2), Duration.ofSeconds(2));
	}

	@Test
	void fetchSendsTheTokenHeaderAndThePagingParameters() throws Exception {
		answer(200, "{\"total\":0,\"items\":[]}");

		this.client.fetch(200, 50);

		RecordedRequest request = this.server.takeRequest();
		assertThat(request.getUrl().encodedPath()).isEqualTo("/api/v1/apps/mapping/users");
		assertThat(request.getUrl().queryParameter("skip")).isEqualTo("200");
		assertThat(request.getUrl().queryParameter("limit")).isEqualTo("50");
		assertThat(request.getHeaders().get("X-App-Access-Token")).isEqualTo(TOKEN);
	}

	@Test
	void baseUrlWithTrailingSlashIsJoinedWithOneSlash() {
		UapClient trailing = client("http://127.0.0.1:" + this.server.getPort() + "/api/v1/");

		assertThat(trailing.usersUri())
			.hasToString("http://127.0.0.1:" + this.server.getPort() + "/api/v1/apps/mapping/users");
	}

	@Test
	void fetchNumbersTheUsersFromTheOffset() {
		answer(200, """
				{"total": 12, "items": [
				  {"mobile": "13800000010", "name": "张三", "english_name": "Zhang San"},
				  {"mobile": "13800000011", "name": null}
				]}""");

		UapPage page = this.client.fetch(10, 2);

		assertThat(page.total()).isEqualTo(12);
		assertThat(page.users()).extracting(UapUser::offset).containsExactly(10L, 11L);
		assertThat(page.users().get(0)).extracting(UapUser::mobile, UapUser::name, UapUser::englishName)
			.containsExactly("13800000010", "张三", "Zhang San");
		assertThat(page.users().get(1)).extracting(UapUser::name, UapUser::englishName, UapUser::problem)
			.containsExactly(null, null, null);
	}

	@Test
	void mobileSentAsAJsonNumberIsReadAsItsDigits() {
		answer(200, "{\"total\":1,\"items\":[{\"mobile\":13800138000,\"name\":\"a\",\"english_name\":\"b\"}]}");

		assertThat(this.client.fetch(0, 1).users().get(0).mobile()).isEqualTo("13800138000");
	}

	@Test
	void recordThatIsNotAnObjectOrHasAFieldOfTheWrongTypeKeepsItsSourceAndProblem() {
		answer(200, "{\"total\":3,\"items\":[\"oops\",{\"mobile\":\"13800138000\",\"name\":[\"a\"]},"
				+ "{\"mobile\":{\"x\":1}}]}");

		UapPage page = this.client.fetch(0, 3);

		assertThat(page.users()).extracting(UapUser::problem)
			.containsExactly("the record is not a JSON object", "name is not a string", "mobile is not a string");
		assertThat(page.users().get(1).sourceJson()).isEqualTo("{\"mobile\":\"13800138000\",\"name\":[\"a\"]}");
	}

	@Test
	void bodyWithoutItemsIsAnErrorNotAnEmptyPage() {
		answer(200, "{\"total\":5}");

		assertThatExceptionOfType(UapException.class).isThrownBy(() -> this.client.fetch(0, 5))
			.withMessageContaining("has no 'items' list");
	}

	@Test
	void bodyWithoutTotalIsAnError() {
		answer(200, "{\"items\":[]}");

		assertThatExceptionOfType(UapException.class).isThrownBy(() -> this.client.fetch(0, 5))
			.withMessageContaining("has no 'total' count");
	}

	@Test
	void itemsThatAreNotAListAreAnError() {
		answer(200, "{\"total\":1,\"items\":{\"mobile\":\"13800138000\"}}");

		assertThatExceptionOfType(UapException.class).isThrownBy(() -> this.client.fetch(0, 5))
			.withMessageContaining("has no 'items' list");
	}

	@Test
	void htmlFromAProxyIsAnErrorQuotingTheStartOfTheBody() {
		answer(200, "<html>\n<body>Gateway maintenance</body></html>");

		assertThatExceptionOfType(UapException.class).isThrownBy(() -> this.client.fetch(300, 100))
			.withMessageContaining("offset 300")
			.withMessageContaining("not JSON")
			.withMessageContaining("<html> <body>Gateway maintenance");
	}

	@Test
	void truncatedJsonIsAnError() {
		answer(200, "{\"total\":5,\"items\":[{\"mobile\":\"1380");

		assertThatExceptionOfType(UapException.class).isThrownBy(() -> this.client.fetch(0, 5))
			.withMessageContaining("not JSON");
	}

	@Test
	void unauthorizedSaysTheTokenWasRejectedWithoutShowingIt() {
		answer(401, "{\"detail\":\"Invalid token\"}");

		assertThatExceptionOfType(UapException.class).isThrownBy(() -> this.client.fetch(0, 5))
			.withMessageStartingWith("UAP rejected the access token (HTTP 401)")
			.withMessageContaining("UAP_ACCESS_TOKEN")
			.withMessageNotContaining(TOKEN);
	}

	@Test
	void unprocessableQuotesTheDetailAndNamesThePageSizeSetting() {
		answer(422, "{\"detail\":[{\"loc\":[\"query\",\"limit\"],\"msg\":\"ensure this value is less than or equal "
				+ "to 500\",\"type\":\"value_error\"}]}");

		assertThatExceptionOfType(UapException.class).isThrownBy(() -> this.client.fetch(0, 1000))
			.withMessageContaining("HTTP 422")
			.withMessageContaining("less than or equal to 500")
			.withMessageContaining("UAP_PAGE_SIZE");
	}

	@Test
	void redirectIsNotFollowed() throws Exception {
		this.server
			.enqueue(new MockResponse.Builder().code(302).addHeader("Location", "http://elsewhere.example/x").build());

		assertThatExceptionOfType(UapException.class).isThrownBy(() -> this.client.fetch(0, 5))
			.withMessageContaining("HTTP 302")
			.withMessageContaining("http://elsewhere.example/x");
		assertThat(this.server.getRequestCount()).isEqualTo(1);
	}

	@Test
	void serverErrorNamesTheStatusAndThePage() {
		answer(503, "Service Unavailable");

		assertThatExceptionOfType(UapException.class).isThrownBy(() -> this.client.fetch(100, 100))
			.withMessageContaining("HTTP 503")
			.withMessageContaining("offset 100");
	}

	@Test
	void missingOrMalformedBaseUrlIsAConfigurationError() {
		assertThatExceptionOfType(ConfigurationException.class).isThrownBy(() -> client(null))
			.withMessageContaining("UAP_BASE_URL is not set");
		assertThatExceptionOfType(ConfigurationException.class).isThrownBy(() -> client("localhost:8000/api"))
			.withMessageContaining("not an absolute http(s) URL");
		assertThatExceptionOfType(ConfigurationException.class).isThrownBy(() -> client("http://uap host/api"))
			.withMessageContaining("not a valid URL");
		assertThatExceptionOfType(ConfigurationException.class)
			.isThrownBy(() -> client("http://uap.example/api?token=x"))
			.withMessageContaining("without user info, query or fragment");
	}

	private void answer(int status, String body) {
		this.server.enqueue(new MockResponse.Builder().code(status)
			.addHeader("Content-Type", "application/json")
			.body(body)
			.build());
	}

}
