package dev.uapsync;

import java.io.PrintStream;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobExecutionException;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;

import dev.uapsync.demo.DemoServer;
import dev.uapsync.demo.DemoUsers;
import dev.uapsync.job.SyncLauncher;
import dev.uapsync.job.SyncReport;
import dev.uapsync.store.SqlDialect;

/**
 * The commands of {@code java -jar uap-user-sync.jar}, and their exit codes.
 *
 * <p>
 * Each command that syncs starts a Spring application, runs the job to its end in the
 * calling thread, and closes the application. Settings come from the environment and the
 * {@code uap.*} properties; {@code properties} given to the constructor take precedence
 * over both (the demo and the tests use them).
 */
public final class CommandLine {

	/**
	 * Exit code of a sync that completed.
	 */
	public static final int COMPLETED = 0;

	/**
	 * Exit code of a sync that failed or was stopped; it can be restarted.
	 */
	public static final int FAILED = 1;

	/**
	 * Exit code of a sync that could not start: a setting, the database or the command
	 * line is wrong.
	 */
	public static final int NOT_STARTED = 2;

	static final String USAGE = """
			Usage: java -jar uap-user-sync.jar <command>
			  sync          sync every UAP user into the table uap_user, once
			  demo          start a demo UAP and sync it into the embedded H2 database
			  demo-server   serve a demo UAP: demo-server [--port 8000] [--users 5000] [--seed 1] [--max-limit 1000]
			  help          show this text
			Settings come from the environment: UAP_BASE_URL, UAP_ACCESS_TOKEN (or UAP_ACCESS_TOKEN_FILE),
			UAP_PAGE_SIZE, UAP_REJECT_LIMIT, SPRING_DATASOURCE_URL, SPRING_DATASOURCE_USERNAME and
			SPRING_DATASOURCE_PASSWORD; the README lists them all.
			Exit codes: 0 completed, 1 failed or stopped, 2 could not start.""";

	private static final int DEMO_USERS = 5000;

	private static final Log logger = LogFactory.getLog(CommandLine.class);

	private final PrintStream out;

	private final PrintStream err;

	private final Map<String, Object> properties;

	/**
	 * Creates a command line.
	 * @param out where results go
	 * @param err where failures go
	 * @param properties settings that take precedence over the environment
	 */
	public CommandLine(PrintStream out, PrintStream err, Map<String, Object> properties) {
		this.out = out;
		this.err = err;
		this.properties = Map.copyOf(properties);
	}

	/**
	 * Runs a command.
	 * @param args the command and its options
	 * @return the exit code
	 */
	public int run(String... args) {
		String command = (args.length > 0) ? args[0] : "";
		String[] options = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
		try {
			return switch (command) {
				case "sync" -> noOptions(options) ? sync(this.properties, false) : usage();
				case "demo" -> noOptions(options) ? demo() : usage();
				case "demo-server" -> DemoServer.run(options, this.out);
				case "help", "--help", "-h" -> help();
				default -> usage();
			};
		}
		catch (Exception ex) {
			logger.debug("Command failed", ex);
			this.err.println("Could not start: " + Failures.describe(ex));
			return NOT_STARTED;
		}
	}

	private boolean noOptions(String[] options) {
		return options.length == 0;
	}

	private int help() {
		this.out.println(USAGE);
		return COMPLETED;
	}

	private int usage() {
		this.err.println(USAGE);
		return NOT_STARTED;
	}

	private int demo() throws Exception {
		String token = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
		try (DemoServer server = DemoServer.start(0, new DemoUsers(DEMO_USERS, 1), token, 1000)) {
			this.out.println("Demo UAP with " + DEMO_USERS + " messy users at " + server.baseUrl());
			Map<String, Object> demo = new HashMap<>(this.properties);
			demo.put("uap.base-url", server.baseUrl());
			demo.put("uap.access-token", token);
			demo.remove("uap.access-token-file");
			return sync(demo, true);
		}
	}

	private int sync(Map<String, Object> settings, boolean demo) {
		ConfigurableApplicationContext context;
		try {
			context = application(settings).run();
		}
		catch (Exception ex) {
			logger.debug("Start-up failed", ex);
			this.err.println("Could not start: " + Failures.describe(ex));
			return NOT_STARTED;
		}
		try (context) {
			JobExecution execution = context.getBean(SyncLauncher.class).sync();
			SyncReport report = SyncReport.of(execution);
			String database = SqlDialect.displayUrl(context.getBean(javax.sql.DataSource.class));
			if (execution.getStatus() == BatchStatus.COMPLETED) {
				this.out.println("Sync " + execution.getId() + " completed: " + report.read()
						+ " users read. They are in table uap_user, the rejects in uap_user_reject, of " + database);
				if (demo) {
					this.out.println(lookHint(database));
				}
				return COMPLETED;
			}
			String reason = execution.getAllFailureExceptions()
				.stream()
				.findFirst()
				.map(Failures::describe)
				.orElse(execution.getExitStatus().getExitDescription());
			this.err.println("Sync " + execution.getId() + " " + execution.getStatus() + " after " + report.read()
					+ " users: " + Failures.oneLine(reason));
			return FAILED;
		}
		catch (JobExecutionException ex) {
			this.err.println("Could not start the sync: " + Failures.describe(ex));
			return NOT_STARTED;
		}
	}

	private static String lookHint(String database) {
		if (!database.startsWith("jdbc:h2:")) {
			return "Look at them with your database's client: SELECT * FROM uap_user";
		}
		return "Look at them with H2's shell:\n  java -cp target/uap-user-sync.jar -Dloader.main=org.h2.tools.Shell "
				+ "org.springframework.boot.loader.launch.PropertiesLauncher -url " + database
				+ " -user sa -sql \"SELECT * FROM uap_user FETCH FIRST 10 ROWS ONLY\"";
	}

	private SpringApplication application(Map<String, Object> settings) {
		SpringApplication application = new SpringApplication(UapUserSyncApplication.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		application.setBannerMode(Banner.Mode.OFF);
		application.setLogStartupInfo(false);
		application.addInitializers((context) -> context.getEnvironment()
			.getPropertySources()
			.addFirst(new MapPropertySource("uapCommandLine", settings)));
		return application;
	}

}
