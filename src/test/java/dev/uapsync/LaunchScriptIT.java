package dev.uapsync;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code jobs/uap-user-sync.sh}, the launch script of cron and systemd, with the packaged
 * jar.
 */
class LaunchScriptIT {

	private static final Path SCRIPT = Path.of("jobs", "uap-user-sync.sh");

	private static final Path JAR = Path.of("target", "uap-user-sync.jar");

	@TempDir
	Path folder;

	@Test
	void prepareWorksForAJarOfAnyNameAndLaterCommandsStartFromItsArchiveThroughAnyName() throws Exception {
		// as a release is often kept: the version in the name
		Path jar = Files.copy(JAR, this.folder.resolve("uap-user-sync-1.4.2.jar"));
		Path app = this.folder.resolve("app");

		Result prepared = run(Map.of("UAP_SYNC_JAR", jar.toString(), "UAP_SYNC_APP", app.toString()), "prepare");
		assertThat(prepared.exitCode()).as(prepared.output()).isZero();
		assertThat(prepared.output()).contains("Prepared " + app);

		Result help = run(Map.of("UAP_SYNC_JAR", jar.toString(), "UAP_SYNC_APP", app.toString(), "JAVA_OPTS",
				"-Xlog:class+load=info"), "--help");
		assertThat(help.exitCode()).as(help.output()).isZero();
		assertThat(help.output()).contains("Usage: java -jar uap-user-sync.jar")
			.doesNotContain("prepare' again")
			.as("the application's classes come from the archive 'prepare' recorded")
			.contains("dev.uapsync.CommandLine source: shared objects file (top)");

		// the same jar through a link, as a deployment may switch releases
		Path current = Files.createSymbolicLink(this.folder.resolve("current.jar"), jar.getFileName());
		Result linked = run(Map.of("UAP_SYNC_JAR", current.toString(), "UAP_SYNC_APP", app.toString(), "JAVA_OPTS",
				"-Xlog:class+load=info"), "--help");
		assertThat(linked.exitCode()).as(linked.output()).isZero();
		assertThat(linked.output()).contains("dev.uapsync.CommandLine source: shared objects file (top)");
	}

	private Result run(Map<String, String> settings, String command) throws Exception {
		Path log = Files.createTempFile(this.folder, "script", ".log");
		ProcessBuilder builder = new ProcessBuilder("bash", SCRIPT.toString(), command);
		builder.environment().put("UAP_SYNC_ENV", "/dev/null");
		builder.environment().putAll(settings);
		Process process = builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
		assertThat(process.waitFor(180, TimeUnit.SECONDS)).as("%s ended within 180 s", command).isTrue();
		return new Result(process.exitValue(), Files.readString(log));
	}

	private record Result(int exitCode, String output) {
	}

}
