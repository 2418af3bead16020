package dev.uapsync.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.jspecify.annotations.Nullable;

/**
 * A read-only copy of an H2 file database, for {@code status} while a sync runs: H2 lets
 * one process at a time open the file, but the file can be copied. H2's store only ever
 * appends, and on opening a copy it takes the last chunk written whole, so the copy shows
 * the database as of a recent commit.
 */
public final class H2Snapshot {

	/**
	 * The internal property that asks for a snapshot instead of the database itself.
	 */
	public static final String PROPERTY = "uap.internal.h2-snapshot";

	private H2Snapshot() {
	}

	/**
	 * Copies the database file of an H2 file URL and returns a read-only URL of the copy.
	 * @param url the JDBC URL, e.g.
	 * {@code jdbc:h2:file:./data/uap-user-sync;WRITE_DELAY=0}
	 * @return the URL of a copy, or {@code null} when the URL is not that of an H2 file
	 * database
	 */
	static @Nullable String copy(String url) {
		if (!url.startsWith("jdbc:h2:") || url.startsWith("jdbc:h2:mem:") || url.startsWith("jdbc:h2:tcp:")
				|| url.startsWith("jdbc:h2:ssl:")) {
			return null;
		}
		String name = url.substring("jdbc:h2:".length()).replaceFirst("^file:", "").replaceAll(";.*$", "");
		Path file = Path.of(name.replaceFirst("^~", System.getProperty("user.home")) + ".mv.db");
		if (!Files.isRegularFile(file)) {
			return null;
		}
		try {
			Path folder = Files.createTempDirectory("uap-user-sync-status");
			folder.toFile().deleteOnExit();
			Path copy = folder.resolve("snapshot.mv.db");
			Files.copy(file, copy, StandardCopyOption.REPLACE_EXISTING);
			copy.toFile().deleteOnExit();
			return "jdbc:h2:file:" + folder.resolve("snapshot").toAbsolutePath() + ";ACCESS_MODE_DATA=r";
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not copy the H2 database " + file + " for status", ex);
		}
	}

}
