package dev.uapsync;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.uapsync.demo.DemoServer;
import dev.uapsync.demo.DemoUsers;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link CommandLine}: commands, exit codes and the one-line reasons.
 */
@ExtendWith(OutputCaptureExtension.class)
class CommandLineTests {

	private static final String TOKEN = "cli-token-93d1f0";

	@TempDir
	Path folder;

	private DemoServer server;

	@BeforeEach
	void startUap() throws IOException {
		this.server = DemoServer.start(0, new DemoUsers(300, 3), TOKEN, 1000);
	}

	@AfterEach
	void stopUap() {
		this.server.close();
	}

	@Test
	void unknownCommandPrintsUsageAndCannotStart(CapturedOutput output) {
		int exitCode = commandLine(Map.of()).run("synch");

		assertThat(exitCode).isEqualTo(CommandLine.NOT_STARTED);
		assertThat(output.getErr()).contains("Usage: java -jar uap-user-sync.jar <command>");
	}

	@Test
	void noCommandPrintsUsageAndCannotStart(CapturedOutput output) {
		assertThat(commandLine(Map.of()).run()).isEqualTo(CommandLine.NOT_STARTED);
		assertThat(output.getErr()).contains("Usage:");
	}

	@Test
	void helpPrintsUsageAndSucceeds(CapturedOutput output) {
		assertThat(commandLine(Map.of()).run("help")).isEqualTo(CommandLine.COMPLETED);
		assertThat(output.getOut()).contains("Exit codes:");
	}

	@Test
	void syncCompletesWithTheTokenReadFromAFile(CapturedOutput output) throws IOException {
		Path tokenFile = Files.writeString(this.folder.resolve("token"), TOKEN + "\n");
		Map<String, Object> settings = settings();
		settings.remove("uap.access-token");
		settings.put("uap.access-token-file", tokenFile.toString());

		int exitCode = commandLine(settings).run("sync");

		assertThat(exitCode).isEqualTo(CommandLine.COMPLETED);
		assertThat(output.getOut()).contains("Sync 1 completed: 300 users read");
	}

	@Test
	void syncWithoutATokenCannotStartAndSaysWhatToSet(CapturedOutput output) {
		Map<String, Object> settings = settings();
		settings.remove("uap.access-token");

		int exitCode = commandLine(settings).run("sync");

		assertThat(exitCode).isEqualTo(CommandLine.NOT_STARTED);
		assertThat(oneLine(output)).isEqualTo("Could not start: No UAP access token: set UAP_ACCESS_TOKEN, "
				+ "or UAP_ACCESS_TOKEN_FILE to a file holding it");
	}

	@Test
	void syncWithAMalformedBaseUrlCannotStart(CapturedOutput output) {
		Map<String, Object> settings = settings();
		settings.put("uap.base-url", "uap.example.com/api/v1");

		int exitCode = commandLine(settings).run("sync");

		assertThat(exitCode).isEqualTo(CommandLine.NOT_STARTED);
		assertThat(oneLine(output)).contains("UAP_BASE_URL 'uap.example.com/api/v1' is not an absolute http(s) URL");
	}

	@Test
	void syncWithAPageSizeThatIsNotANumberCannotStart(CapturedOutput output) {
		Map<String, Object> settings = settings();
		settings.put("uap.page-size", "lots");

		int exitCode = commandLine(settings).run("sync");

		assertThat(exitCode).isEqualTo(CommandLine.NOT_STARTED);
		assertThat(oneLine(output)).startsWith("Could not start: UAP_PAGE_SIZE='lots' is not valid");
	}

	@Test
	void syncWithAPageSizeOutOfRangeCannotStart(CapturedOutput output) {
		Map<String, Object> settings = settings();
		settings.put("uap.page-size", 0);

		int exitCode = commandLine(settings).run("sync");

		assertThat(exitCode).isEqualTo(CommandLine.NOT_STARTED);
		assertThat(oneLine(output)).contains("UAP_PAGE_SIZE=0 is out of range");
	}

	@Test
	void syncWithACommitIntervalOutOfRangeCannotStartAndSaysTheRange(CapturedOutput output) {
		Map<String, Object> settings = settings();
		settings.put("uap.commit-interval", 20_001);

		int exitCode = commandLine(settings).run("sync");

		assertThat(exitCode).isEqualTo(CommandLine.NOT_STARTED);
		assertThat(oneLine(output)).contains("UAP_COMMIT_INTERVAL=20001 is out of range: set it from 1 to 20000");
	}

	@Test
	void syncWithALoadDataSettingThatIsNotABooleanCannotStart(CapturedOutput output) {
		Map<String, Object> settings = settings();
		settings.put("uap.load-data", "fast");

		int exitCode = commandLine(settings).run("sync");

		assertThat(exitCode).isEqualTo(CommandLine.NOT_STARTED);
		assertThat(oneLine(output)).contains("UAP_LOAD_DATA=fast is not true or false");
	}

	@Test
	void syncWithAnUnreachableDatabaseCannotStart(CapturedOutput output) {
		Map<String, Object> settings = settings();
		settings.put("spring.datasource.url", "jdbc:mysql://127.0.0.1:1/uap");

		int exitCode = commandLine(settings).run("sync");

		assertThat(exitCode).isEqualTo(CommandLine.NOT_STARTED);
		assertThat(oneLine(output)).contains("SPRING_DATASOURCE_URL");
	}

	@Test
	void syncWithAWrongTokenFailsWithOneLineThatDoesNotShowIt(CapturedOutput output) {
		Map<String, Object> settings = settings();
		settings.put("uap.access-token", "wrong-token-5e2a");

		int exitCode = commandLine(settings).run("sync");

		assertThat(exitCode).isEqualTo(CommandLine.FAILED);
		assertThat(oneLine(output)).contains("UAP rejected the access token (HTTP 401)");
		assertThat(output.getAll()).doesNotContain("wrong-token-5e2a");
	}

	@Test
	void syncWithAPageSizeTheUapRefusesFailsQuotingItsDetail(CapturedOutput output) {
		this.server.rejectLargeLimit();
		Map<String, Object> settings = settings();
		settings.put("uap.page-size", 5000);

		int exitCode = commandLine(settings).run("sync");

		assertThat(exitCode).isEqualTo(CommandLine.FAILED);
		assertThat(oneLine(output)).contains("HTTP 422")
			.contains("ensure this value is less than or equal to 1000")
			.contains("lower UAP_PAGE_SIZE");
		assertThat(output.getAll()).doesNotContain(TOKEN);
	}

	@Test
	void syncWithAUapAnsweringMalformedJsonFailsAfterItsRetries(CapturedOutput output) throws IOException {
		try (MockWebServer proxy = new MockWebServer()) {
			proxy.setDispatcher(new Dispatcher() {
				@Override
				public MockResponse dispatch(RecordedRequest request) {
					return new MockResponse.Builder().code(200).body("<html><body>Proxy login</body></html>").build();
				}
			});
			proxy.start(InetAddress.getLoopbackAddress(), 0);
			Map<String, Object> settings = settings();
			settings.put("uap.base-url", "http://127.0.0.1:" + proxy.getPort() + "/api/v1");
			settings.put("uap.retry.max-attempts", 3);
			settings.put("uap.retry.delay", "1ms");

			int exitCode = commandLine(settings).run("sync");

			assertThat(exitCode).isEqualTo(CommandLine.FAILED);
			assertThat(proxy.getRequestCount()).isEqualTo(3);
		}
		assertThat(oneLine(output)).contains("Gave up after 3 attempts")
			.contains("not JSON")
			.contains("<html><body>Proxy login");
		assertThat(output.getAll()).doesNotContain(TOKEN);
	}

	@Test
	void restartWithAnUnknownExecutionCannotStart(CapturedOutput output) {
		int exitCode = commandLine(settings()).run("restart", "4711");

		assertThat(exitCode).isEqualTo(CommandLine.NOT_STARTED);
		assertThat(oneLine(output)).contains("There is no sync execution 4711");
	}

	@Test
	void restartWithAnIdThatIsNotANumberPrintsUsage(CapturedOutput output) {
		assertThat(commandLine(settings()).run("restart", "last")).isEqualTo(CommandLine.NOT_STARTED);
		assertThat(output.getErr()).contains("Usage:");
	}

	@Test
	void syncWithAnUnreachableUapFailsWithOneLine(CapturedOutput output) {
		Map<String, Object> settings = settings();
		settings.put("uap.base-url", "http://127.0.0.1:1/api/v1");

		int exitCode = commandLine(settings).run("sync");

		assertThat(exitCode).isEqualTo(CommandLine.FAILED);
		assertThat(oneLine(output)).contains("Cannot reach the UAP");
	}

	private Map<String, Object> settings() {
		Map<String, Object> settings = new HashMap<>();
		settings.put("spring.datasource.url", "jdbc:h2:file:" + this.folder.resolve("db").toAbsolutePath());
		settings.put("uap.base-url", this.server.baseUrl());
		settings.put("uap.access-token", TOKEN);
		return settings;
	}

	private static CommandLine commandLine(Map<String, Object> settings) {
		return new CommandLine(System.out, System.err, settings);
	}

	private static String oneLine(CapturedOutput output) {
		String err = output.getErr().strip();
		assertThat(err.lines()).as("standard error holds one line").hasSize(1);
		return err;
	}

}
