package dev.uapsync.store;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.SQLWarning;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcOperations;
import org.springframework.jdbc.core.StatementCallback;
import org.springframework.util.FileSystemUtils;

import dev.uapsync.user.SyncItem.NormalizedUser;

/**
 * Inserts a chunk's new users into {@code uap_user} on MySQL and MariaDB with
 * {@code LOAD DATA LOCAL INFILE}, the servers' bulk path, in the chunk's transaction.
 *
 * <p>
 * The rows go through a file in a folder of the loader's own (owner only), named to
 * Connector/J as {@code allowLoadLocalInfileInPath}: the driver then sends the server
 * files from that folder and from nowhere else, whatever file a server asks for. The
 * driver's {@code allowLoadLocalInfile}, which would let a server read any file the sync
 * can, stays off. The file lives only while its chunk loads.
 *
 * <p>
 * {@code LOCAL} makes the server skip a duplicate key and cut a value too long with a
 * warning rather than fail. The writer sends only users it has just found missing, and
 * the loader checks that the server stored every row and raised no warning; if not, it
 * throws {@link LoadDataException} and the chunk rolls back, so no user is lost or
 * altered.
 *
 * <p>
 * Not thread safe: one step thread writes.
 */
public final class LocalInfileLoader implements AutoCloseable {

	/**
	 * The driver property that names the only folder the server may load files from.
	 */
	public static final String DRIVER_PROPERTY = "allowLoadLocalInfileInPath";

	private static final String FOLDER_PREFIX = "uap-user-sync-load-";

	private static final Pattern FOLDER_NAME = Pattern.compile(Pattern.quote(FOLDER_PREFIX) + "(\\d+)-\\d+");

	private final Path folder;

	private final Path file;

	private final ByteArrayOutputStream rows = new ByteArrayOutputStream(1 << 16);

	private LocalInfileLoader(Path folder) {
		this.folder = folder;
		this.file = folder.resolve("new-users.tsv");
	}

	/**
	 * Creates a loader with a new folder under {@code java.io.tmpdir}, readable by its
	 * owner only. First removes the folders that syncs no longer running left there: a
	 * sync killed while a chunk loaded leaves that chunk's file.
	 * @return the loader
	 */
	public static LocalInfileLoader create() {
		Path temporary = Path.of(System.getProperty("java.io.tmpdir"));
		removeLeftOvers(temporary);
		try {
			return new LocalInfileLoader(
					Files.createTempDirectory(temporary, FOLDER_PREFIX + ProcessHandle.current().pid() + "-",
							PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))));
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot create a folder for LOAD DATA under java.io.tmpdir ("
					+ System.getProperty("java.io.tmpdir") + "): make it writable, or set UAP_LOAD_DATA=false", ex);
		}
	}

	/**
	 * Removes the loader folders whose process has ended, where this user may.
	 */
	private static void removeLeftOvers(Path temporary) {
		try (Stream<Path> entries = Files.list(temporary)) {
			entries.filter((entry) -> {
				Matcher name = FOLDER_NAME.matcher(entry.getFileName().toString());
				return name.matches() && ProcessHandle.of(Long.parseLong(name.group(1))).isEmpty();
			}).forEach((entry) -> {
				try {
					FileSystemUtils.deleteRecursively(entry);
				}
				catch (IOException ex) {
					// another user's, or going already
				}
			});
		}
		catch (IOException | UncheckedIOException ex) {
			// nothing to remove from an unreadable folder
		}
	}

	/**
	 * Returns the folder the driver may send files from.
	 * @return the folder
	 */
	public Path folder() {
		return this.folder;
	}

	/**
	 * Tells whether the server accepts {@code LOAD DATA LOCAL} ({@code local_infile}, on
	 * by default on MariaDB, off on MySQL 8).
	 * @param jdbc operations on the database
	 * @return whether the server's {@code local_infile} is on
	 */
	static boolean serverAllows(JdbcOperations jdbc) {
		Integer localInfile = jdbc.queryForObject("SELECT @@local_infile", Integer.class);
		return localInfile != null && localInfile == 1;
	}

	/**
	 * Inserts users that are not in {@code uap_user}, stamped as created and seen now.
	 * @param jdbc the operations of the chunk's transaction
	 * @param users the users, each mobile once, none stored yet
	 * @param jobInstanceId the pass that saw them
	 * @throws LoadDataException when the server refuses the load, stores fewer rows than
	 * sent, or warns of a value it changed
	 */
	void insert(JdbcOperations jdbc, List<NormalizedUser> users, long jobInstanceId) {
		this.rows.reset();
		for (NormalizedUser user : users) {
			field(user.mobile());
			this.rows.write('\t');
			field(user.name());
			this.rows.write('\t');
			field(user.englishName());
			this.rows.write('\n');
		}
		// hexadecimal separators mean the same with or without NO_BACKSLASH_ESCAPES
		String sql = "LOAD DATA LOCAL INFILE '" + this.file + "' INTO TABLE uap_user CHARACTER SET utf8mb4 "
				+ "FIELDS TERMINATED BY X'09' ESCAPED BY X'5C' LINES TERMINATED BY X'0A' "
				+ "(mobile, name, english_name) SET created_at = CURRENT_TIMESTAMP(3), "
				+ "updated_at = CURRENT_TIMESTAMP(3), last_seen_instance = " + jobInstanceId;
		try {
			Files.write(this.file, this.rows.toByteArray());
			jdbc.execute((StatementCallback<Void>) (statement) -> {
				long stored = statement.executeLargeUpdate(sql);
				SQLWarning warning = statement.getWarnings();
				if (stored != users.size() || warning != null) {
					throw LoadDataException.incomplete(stored, users.size(),
							(warning != null) ? warning.getMessage() : null);
				}
				return null;
			});
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot write the users to load to " + this.file, ex);
		}
		catch (DataAccessException ex) {
			throw LoadDataException.refused(ex);
		}
		finally {
			try {
				Files.deleteIfExists(this.file);
			}
			catch (IOException ex) {
				// the folder goes when the sync ends
			}
		}
	}

	/**
	 * Writes a value as the server's default field escaping reads it: {@code \N} for
	 * null; a backslash before a backslash, tab, new line, carriage return or NUL.
	 */
	private void field(@Nullable String value) {
		if (value == null) {
			this.rows.write('\\');
			this.rows.write('N');
			return;
		}
		int start = 0;
		for (int i = 0; i < value.length(); i++) {
			char escaped = switch (value.charAt(i)) {
				case '\\' -> '\\';
				case '\t' -> 't';
				case '\n' -> 'n';
				case '\r' -> 'r';
				case '\0' -> '0';
				default -> 0;
			};
			if (escaped != 0) {
				this.rows.writeBytes(value.substring(start, i).getBytes(StandardCharsets.UTF_8));
				this.rows.write('\\');
				this.rows.write(escaped);
				start = i + 1;
			}
		}
		this.rows.writeBytes(((start == 0) ? value : value.substring(start)).getBytes(StandardCharsets.UTF_8));
	}

	/**
	 * Removes the folder.
	 */
	@Override
	public void close() {
		try {
			FileSystemUtils.deleteRecursively(this.folder);
		}
		catch (IOException ex) {
			// left under java.io.tmpdir, empty unless a load was cut off
		}
	}

}
