package dev.uapsync;

import java.io.PrintStream;
import java.security.SecureRandom;
import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

import java.util.function.IntSupplier;

import javax.sql.DataSource;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

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
import dev.uapsync.job.RunningSync;
import dev.uapsync.job.SyncAlreadyRunningException;
import dev.uapsync.job.SyncLauncher;
import dev.uapsync.job.SyncSchedule;
import dev.uapsync.job.SyncStatus;

import dev.uapsync.job.SyncReport;
import dev.uapsync.store.DataSourceTuning;
import dev.uapsync.store.H2Snapshot;
import dev.uapsync.store.SqlDialect;
import dev.uapsync.store.UserWriter;
import dev.uapsync.uap.UapClient;

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
	 * Exit code of a sync that completed, or of a {@code restart} with nothing to
	 * restart.
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

	/**
	 * Exit code of a sync refused because another process is running one on the same
	 * database.
	 */
	public static final int ALREADY_RUNNING = 3;

	/**
	 * Exit code of a sync that completed but soft-deleted nobody, because more users
	 * would have gone than the brake allows: confirm with
	 * {@code sync --allow-mass-delete}.
	 */
	public static final int DELETES_HELD = 4;

	static final String USAGE = """
			Usage: java -jar uap-user-sync.jar <command>
			  			  sync [--dry-run] [--allow-mass-delete]
			                     sync every UAP user into the table uap_user, as a new run; --dry-run
			                     counts what would change and changes nothing
			  restart [id]       resume the latest failed or stopped sync (or sync <id>) where it stopped
			  schedule           stay up and sync at every time of UAP_SCHEDULE_CRON (default 02:00 nightly)
			  status [--limit N] [--json]
			                     the recent syncs from the batch tables; exits 1 when the last success is stale
			  demo               start a demo UAP and sync it into the embedded H2 database
			  demo-server [...]  serve a demo UAP: [--port 8000] [--users 5000] [--seed 1] [--max-limit 1000]
			                     [--fault-percent 0] [--delay-ms 0] [--renamed-percent 0] [--all-interfaces]
			  help               show this text
			Settings come from the environment: UAP_BASE_URL, UAP_ACCESS_TOKEN (or UAP_ACCESS_TOKEN_FILE),
			UAP_PAGE_SIZE, UAP_REJECT_LIMIT, SPRING_DATASOURCE_URL, SPRING_DATASOURCE_USERNAME and
			SPRING_DATASOURCE_PASSWORD; the README lists them all.
			Exit codes: 0 completed (or nothing to restart), 1 failed or stopped (status: stale),
						2 could not start, 3 another sync is running, 4 deletions held by the brake.""";

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
				case "sync" -> sync(options);
				case "restart" -> restart(options);
				case "schedule" -> (options.length == 0) ? schedule() : usage();
				case "status" -> status(options);
				case "demo" -> (options.length == 0) ? demo() : usage();
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

	private int help() {
		this.out.println(USAGE);
		return COMPLETED;
	}

	private int usage() {
		this.err.println(USAGE);
		return NOT_STARTED;
	}

	private int sync(String[] options) {
		List<String> flags = List.of(options);
		if (!Set.of("--dry-run", "--allow-mass-delete").containsAll(flags)) {
			return usage();
		}
		boolean dryRun = flags.contains("--dry-run");
		boolean allowMassDelete = flags.contains("--allow-mass-delete");
		return launch(dryRun ? writingNothing(this.properties) : this.properties, false,
				(launcher) -> launcher.sync(dryRun, allowMassDelete));
	}

	private int restart(String[] options) {
		if (options.length > 1 || (options.length == 1 && !options[0].matches("[0-9]{1,18}"))) {
			return usage();
		}
		Long executionId = (options.length == 1) ? Long.valueOf(options[0]) : null;
		return launch(this.properties, false, (launcher) -> launcher.restart(executionId).orElse(null));
	}

	private int demo() throws Exception {
		String token = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
		try (DemoServer server = DemoServer.start(0, new DemoUsers(DEMO_USERS, 1), token, 1000)) {
			this.out.println("Demo UAP with " + DEMO_USERS + " messy users at " + server.baseUrl());
			Map<String, Object> demo = new HashMap<>(this.properties);
			demo.put("uap.base-url", server.baseUrl());
			demo.put("uap.access-token", token);
			demo.remove("uap.access-token-file");
			return launch(demo, true, SyncLauncher::sync);
		}
	}

	/**
	 * Starts the application, runs one launch in it, reports the outcome and closes it.
	 */
	private int launch(Map<String, Object> settings, boolean demo, Launch launch) {
		return inApplication(settings, true, (context, signal) -> {
			String database = SqlDialect.displayUrl(context.getBean(DataSource.class));
			if (signal.received()) {
				return FAILED;
			}
			return report(launch.run(context.getBean(SyncLauncher.class)), database, demo);
		});
	}

	private int schedule() {
		return inApplication(this.properties, true,
				(context, signal) -> context.getBean(SyncSchedule.class).run() ? FAILED : COMPLETED);
	}

	private int status(String[] options) {
		int limit = 10;
		boolean json = false;
		for (int i = 0; i < options.length; i++) {
			if (options[i].equals("--json")) {
				json = true;
			}
			else if (options[i].equals("--limit") && i + 1 < options.length
					&& options[i + 1].matches("[1-9][0-9]{0,4}")) {
				limit = Integer.parseInt(options[++i]);
			}
			else {
				return usage();
			}
		}
		boolean asJson = json;
		int count = limit;
		Body body = (context, signal) -> {
			SyncStatus status = context.getBean(SyncStatus.class);
			StatusPrinter printer = new StatusPrinter(status.lastSuccess(), status.recent(count),
					context.getBean(UapProperties.class).getStatus().getMaxAge(), LocalDateTime.now());
			this.out.print(asJson ? printer.json() + "\n" : printer.text());
			return printer.stale() ? FAILED : COMPLETED;
		};
		return inApplication(writingNothing(this.properties), false, body, () -> {
			// an H2 file database open in a running sync: read a copy of it instead
			Map<String, Object> snapshot = writingNothing(this.properties);
			snapshot.put(H2Snapshot.PROPERTY, true);
			snapshot.put("uap.initialize-schema", false);
			snapshot.put("spring.batch.jdbc.initialize-schema", "never");
			return inApplication(snapshot, false, body, null);
		});
	}

	/**
	 * Returns settings for a command that writes no user: no folder is made for loading
	 * users ({@link DataSourceTuning#WRITES_NO_USERS}).
	 */
	private static Map<String, Object> writingNothing(Map<String, Object> settings) {
		Map<String, Object> copy = new HashMap<>(settings);
		copy.put(DataSourceTuning.WRITES_NO_USERS, true);
		return copy;
	}

	/**
	 * Starts the application, runs a body in it and closes it, with SIGTERM turned into a
	 * graceful stop of whatever sync runs. Start-up failures become exit code 2, or 3
	 * when an H2 database is open in another process.
	 */
	private int inApplication(Map<String, Object> settings, boolean needsUap, Body body) {
		return inApplication(settings, needsUap, body, null);
	}

	/**
	 * As {@link #inApplication(Map, boolean, Body)}, with a fallback for an H2 database
	 * open in another process.
	 */
	private int inApplication(Map<String, Object> settings, boolean needsUap, Body body,
			@Nullable IntSupplier whenDatabaseInUse) {
		ConfigurableApplicationContext context;
		try {
			context = application(settings).run();
		}
		catch (Exception ex) {
			logger.debug("Start-up failed", ex);
			if (whenDatabaseInUse != null && Failures.isDatabaseInUse(ex)) {
				return whenDatabaseInUse.getAsInt();
			}
			this.err.println("Could not start: " + Failures.describe(ex));
			return Failures.isDatabaseInUse(ex) ? ALREADY_RUNNING : NOT_STARTED;
		}
		ShutdownSignal signal = new ShutdownSignal(() -> {
			context.getBean(SyncSchedule.class).stop();
			context.getBean(RunningSync.class).stop();
		});
		signal.register();
		int code = NOT_STARTED;
		try (context) {
			if (needsUap) {
				// the UAP settings are checked before anything else happens
				context.getBean(UapClient.class);
			}
			code = body.run(context, signal);
		}
		catch (SyncAlreadyRunningException ex) {
			this.err.println("Not started: " + ex.getMessage());
			code = ALREADY_RUNNING;
		}
		catch (JobExecutionException | RuntimeException ex) {
			logger.debug("Launch failed", ex);
			this.err.println("Could not start: " + Failures.describe(ex));
			code = NOT_STARTED;
		}
		finally {
			this.out.flush();
			this.err.flush();
			signal.reported(code);
		}
		return code;
	}

	private int report(@Nullable JobExecution execution, String database, boolean demo) {
		if (execution == null) {
			this.out.println("Nothing to restart: the latest sync did not fail and was not stopped.");
			return COMPLETED;
		}
		SyncReport report = SyncReport.of(execution);
		if (execution.getStatus() == BatchStatus.COMPLETED && UserWriter.isDryRun(execution.getJobParameters())) {
			this.out.println("Dry run " + execution.getId() + ": would insert " + report.inserted() + ", update "
					+ report.updated() + ", leave " + report.unchanged() + " unchanged, reject " + report.rejected()
					+ ", soft-delete " + report.softDeleted() + " and restore " + report.restored()
					+ "; nothing was changed" + ((report.deletionNote() != null) ? ". " + report.deletionNote() : ""));
			return SyncLauncher.deletesHeld(execution) ? DELETES_HELD : COMPLETED;
		}
		if (execution.getStatus() == BatchStatus.COMPLETED && SyncLauncher.deletesHeld(execution)) {
			this.err.println(
					"Sync " + execution.getId() + " completed, but its deletions were held: " + report.deletionNote());
			return DELETES_HELD;
		}
		if (execution.getStatus() == BatchStatus.COMPLETED) {
			this.out.println("Sync " + execution.getId() + " completed: " + report.read()
					+ " users read. They are in table uap_user, the rejects in uap_user_reject, of " + database);
			if (demo) {
				this.out.println(lookHint(database));
			}
			return COMPLETED;
		}
		String reason = (execution.getStatus() == BatchStatus.STOPPED) ? "stopped by a shutdown signal"
				: execution.getAllFailureExceptions()
					.stream()
					.findFirst()
					.map(Failures::describe)
					.orElse("no cause recorded");
		this.err.println("Sync " + execution.getId() + " " + execution.getStatus() + " after " + report.read()
				+ " users: " + Failures.oneLine(reason) + ". 'restart' resumes it at offset " + report.read());
		return FAILED;
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
		application.setRegisterShutdownHook(false);
		application.addInitializers((context) -> context.getEnvironment()
			.getPropertySources()
			.addFirst(new MapPropertySource("uapCommandLine", settings)));
		return application;
	}

	/**
	 * One use of the {@link SyncLauncher}.
	 */
	@FunctionalInterface
	private interface Launch {

		@Nullable JobExecution run(SyncLauncher launcher) throws JobExecutionException;

	}

	/**
	 * What runs inside the started application; returns the exit code.
	 */
	@FunctionalInterface
	private interface Body {

		int run(ConfigurableApplicationContext context, ShutdownSignal signal) throws JobExecutionException;

	}

}
