package dev.uapsync.store;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.sql.DataTruncation;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Savepoint;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.core.NestedExceptionUtils;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcOperations;
import org.springframework.jdbc.core.StatementCallback;

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
 * can, stays off. The file lives only while its chunk loads. The loader holds a lock on a
 * file in its folder while it lives, so that a later loader can tell the folder of a
 * killed sync, which may still hold a chunk's file, from that of a running one, and
 * remove it.
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

	private static final Log logger = LogFactory.getLog(LocalInfileLoader.class);

	private static final String FOLDER_PREFIX = "uap-user-sync-load-";

	private static final Pattern FOLDER_NAME = Pattern.compile(Pattern.quote(FOLDER_PREFIX) + "\\d{1,19}-\\d{1,20}");

	private static final String STAGING_PREFIX = "uap-user-sync-stage-";

	/**
	 * The folders of this process's living loaders.
	 */
	private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();

	private static final String ROWS = "new-users.tsv";

	// hexadecimal separators mean the same with or without NO_BACKSLASH_ESCAPES
	private static final String FORMAT = "FIELDS TERMINATED BY X'09' ESCAPED BY X'5C' LINES TERMINATED BY X'0A' ";

	private static final String LOCK = "lock";

	private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

	/**
	 * The errors for a {@code LOCAL} load the server does not allow: MySQL's and older
	 * MariaDB's {@code ER_NOT_ALLOWED_COMMAND}, MySQL 8's
	 * {@code ER_CLIENT_LOCAL_FILES_DISABLED}, MariaDB's
	 * {@code ER_LOAD_INFILE_CAPABILITY_DISABLED}.
	 */
	private static final Set<Integer> REFUSALS = Set.of(1148, 3948, 4166);

	private final Path folder;

	private final Path file;

	private FileChannel lock;

	private final ByteArrayOutputStream rows = new ByteArrayOutputStream(1 << 16);

	private LocalInfileLoader(Path folder, FileChannel lock) {
		this.folder = folder;
		this.file = folder.resolve(ROWS);
		this.lock = lock;
	}

	/**
	 * Creates a loader with a new folder under {@code java.io.tmpdir}.
	 * @return the loader, or null when no such folder can be made (a line in the log says
	 * why), so that new users go in with {@code INSERT}
	 */
	public static @Nullable LocalInfileLoader create() {
		return create(Path.of(System.getProperty("java.io.tmpdir")));
	}

	static @Nullable LocalInfileLoader create(Path temporary) {
		Path staging = null;
		try {
			// locked under a name no cleaner looks at, then given the loader's name: a
			// folder by that name always holds its lock
			staging = Files.createTempDirectory(temporary, STAGING_PREFIX + ProcessHandle.current().pid() + "-",
					ownerOnly());
			if (staging.toString().contains("'") || staging.toString().contains("\\")) {
				throw new IOException("its path holds a quote or a backslash");
			}
			FileChannel lock = FileChannel.open(staging.resolve(LOCK), StandardOpenOption.CREATE_NEW,
					StandardOpenOption.WRITE);
			lock.lock();
			Path folder = temporary
				.resolve(FOLDER_PREFIX + staging.getFileName().toString().substring(STAGING_PREFIX.length()));
			Files.move(staging, folder, StandardCopyOption.ATOMIC_MOVE);
			LIVE.add(folder);
			return new LocalInfileLoader(folder, lock);
		}
		catch (IOException | RuntimeException ex) {
			if (staging != null) {
				remove(staging);
			}
			logger.warn("New users are inserted with INSERT statements: no folder for LOAD DATA LOCAL INFILE "
					+ "could be made under " + temporary + " (" + ex + "); point java.io.tmpdir at a writable "
					+ "folder, or set UAP_LOAD_DATA=false to silence this line");
			return null;
		}
	}

	private static FileAttribute<Set<PosixFilePermission>> ownerOnly() {
		return PosixFilePermissions.asFileAttribute(OWNER_ONLY);
	}

	/**
	 * Removes the loader folders of this user under a folder whose loader no longer runs:
	 * a killed sync leaves its folder, and may leave a chunk's rows in it. A folder
	 * counts as left over when the lock in it can be taken; links are not followed.
	 * @param temporary the folder the loaders' folders are in
	 */
	public static void removeLeftOvers(Path temporary) {
		UserPrincipal me = currentUser(temporary);
		if (me == null) {
			return;
		}
		try (Stream<Path> entries = Files.list(temporary)) {
			// never a folder of a loader of this process: closing a channel on a file
			// drops the locks this process holds on it
			entries.filter((entry) -> FOLDER_NAME.matcher(entry.getFileName().toString()).matches())
				.filter((entry) -> !LIVE.contains(entry))
				.forEach((entry) -> removeIfLeftOver(entry, me));
		}
		catch (IOException | RuntimeException ex) {
			// nothing to remove from a folder that cannot be listed
		}
	}

	/**
	 * Returns the user this process runs as: by name, or, where the name is unknown to
	 * the system (a container's random user), as the owner of a file it makes.
	 */
	private static @Nullable UserPrincipal currentUser(Path temporary) {
		try {
			return FileSystems.getDefault()
				.getUserPrincipalLookupService()
				.lookupPrincipalByName(System.getProperty("user.name"));
		}
		catch (IOException | RuntimeException ex) {
			try {
				Path probe = Files.createTempFile(temporary, STAGING_PREFIX, ".owner");
				try {
					return Files.getOwner(probe);
				}
				finally {
					Files.delete(probe);
				}
			}
			catch (IOException | RuntimeException probeFailure) {
				return null;
			}
		}
	}

	private static void removeIfLeftOver(Path entry, UserPrincipal me) {
		try {
			if (!Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)
					|| !me.equals(Files.getOwner(entry, LinkOption.NOFOLLOW_LINKS))
					|| !Files.isRegularFile(entry.resolve(LOCK), LinkOption.NOFOLLOW_LINKS)) {
				return;
			}
			try (FileChannel channel = FileChannel.open(entry.resolve(LOCK), StandardOpenOption.WRITE,
					LinkOption.NOFOLLOW_LINKS); FileLock lock = channel.tryLock()) {
				if (lock != null) {
					// while the lock is held, so that no loader can be using the folder
					remove(entry);
				}
			}
		}
		catch (IOException | OverlappingFileLockException ex) {
			// in use by this process, or not ours to remove
		}
	}

	/**
	 * Deletes a loader folder: the two files a loader makes, then the folder, which stays
	 * when anything else is in it.
	 */
	private static void remove(Path folder) {
		try {
			Files.deleteIfExists(folder.resolve(ROWS));
			Files.deleteIfExists(folder.resolve(LOCK));
			Files.deleteIfExists(folder);
		}
		catch (IOException ex) {
			// left under java.io.tmpdir; the next loader tries again
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
	 * @return whether the server's {@code local_infile} is on; false when it cannot be
	 * read
	 */
	static boolean serverAllows(JdbcOperations jdbc) {
		try {
			Integer localInfile = jdbc.queryForObject("SELECT @@local_infile", Integer.class);
			return localInfile != null && localInfile == 1;
		}
		catch (DataAccessException ex) {
			return false;
		}
	}

	/**
	 * Inserts users that are not in {@code uap_user}, stamped as created and seen now.
	 * @param jdbc the operations of the chunk's transaction
	 * @param users the users, each mobile once, none stored yet
	 * @param jobInstanceId the pass that saw them
	 * @throws LoadDataException when the server stores fewer rows than sent or warns of a
	 * value it changed, when the rows cannot be written to the folder, or, as
	 * {@link LoadDataException#isRefusal() a refusal}, when the server or the driver
	 * refuses the load before storing anything
	 */
	void insert(JdbcOperations jdbc, List<NormalizedUser> users, long jobInstanceId) {
		load(jdbc, users, into(jobInstanceId), Check.STRICT);
	}

	/**
	 * Inserts users that may be stored already, all or none: when the server stores fewer
	 * rows than sent (a user was stored, the load skipped it) or warns, the chunk's
	 * transaction is rolled back to where it was before the load, and nothing is
	 * inserted.
	 * @param jdbc the operations of the chunk's transaction
	 * @param users the users, each mobile once
	 * @param jobInstanceId the pass that saw them
	 * @return whether every user was inserted; false when none was
	 * @throws LoadDataException when the rows cannot be written to the folder, or, as
	 * {@link LoadDataException#isRefusal() a refusal}, when the server or the driver
	 * refuses the load before storing anything
	 */
	boolean insertIfAllNew(JdbcOperations jdbc, List<NormalizedUser> users, long jobInstanceId) {
		return load(jdbc, users, into(jobInstanceId), Check.ROLL_BACK);
	}

	private static String into(long jobInstanceId) {
		return "uap_user CHARACTER SET utf8mb4 " + FORMAT + "(mobile, name, english_name) SET created_at = "
				+ "CURRENT_TIMESTAMP(3), updated_at = CURRENT_TIMESTAMP(3), last_seen_instance = " + jobInstanceId;
	}

	/**
	 * What a load does when the server stores fewer rows than sent or warns.
	 */
	private enum Check {

		/**
		 * Throw {@link LoadDataException#incomplete}.
		 */
		STRICT,

		/**
		 * Roll the transaction back to before the load and return false.
		 */
		ROLL_BACK

	}

	private boolean load(JdbcOperations jdbc, List<NormalizedUser> users, String into, Check check) {
		this.rows.reset();
		for (NormalizedUser user : users) {
			field(user.mobile());
			this.rows.write('\t');
			field(user.name());
			this.rows.write('\t');
			field(user.englishName());
			this.rows.write('\n');
		}
		String sql = "LOAD DATA LOCAL INFILE '" + this.file + "' INTO TABLE " + into;
		try {
			if (!Files.isDirectory(this.folder, LinkOption.NOFOLLOW_LINKS)) {
				// removed beside the sync, by a cleaner of old temporary files
				Files.createDirectory(this.folder, ownerOnly());
				this.lock.close();
				this.lock = FileChannel.open(this.folder.resolve(LOCK), StandardOpenOption.CREATE_NEW,
						StandardOpenOption.WRITE);
				this.lock.lock();
			}
			Files.write(this.file, this.rows.toByteArray(), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
					StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS);
			Boolean all = jdbc.execute((StatementCallback<Boolean>) (statement) -> {
				Savepoint before = (check == Check.ROLL_BACK) ? statement.getConnection().setSavepoint() : null;
				long stored;
				SQLWarning warning;
				try {
					stored = statement.executeLargeUpdate(sql);
					warning = statement.getWarnings();
				}
				catch (DataTruncation truncation) {
					// the driver's check of the server's warnings, before getWarnings
					if (check == Check.STRICT) {
						throw truncation;
					}
					stored = -1;
					warning = truncation;
				}
				if (stored == users.size() && warning == null) {
					return true;
				}
				if (check == Check.STRICT) {
					throw LoadDataException.incomplete(stored, users.size(),
							(warning != null) ? warning.getMessage() : null);
				}
				statement.getConnection().rollback(before);
				return false;
			});
			return Boolean.TRUE.equals(all);
		}
		catch (IOException ex) {
			throw LoadDataException.unwritable(this.folder, ex);
		}
		catch (DataAccessException ex) {
			Throwable cause = NestedExceptionUtils.getMostSpecificCause(ex);
			if (cause instanceof DataTruncation truncation) {
				throw LoadDataException.incomplete(-1, users.size(), truncation.getMessage());
			}
			if (isRefusal(cause)) {
				throw LoadDataException.refused(ex);
			}
			throw ex;
		}
		finally {
			try {
				Files.deleteIfExists(this.file);
			}
			catch (IOException ex) {
				// removed with the folder when the sync ends
			}
		}
	}

	/**
	 * Tells whether a failure is the server's or the driver's refusal of a local load,
	 * before any row was sent: the server's error codes, or the driver's own messages
	 * (which carry no code) for a load it does not allow, or a file outside the allowed
	 * folder or the folder missing. A failure while the rows are sent is none.
	 */
	private static boolean isRefusal(Throwable cause) {
		if (cause instanceof SQLException sql && REFUSALS.contains(sql.getErrorCode())) {
			return true;
		}
		String message = String.valueOf(cause.getMessage()).toLowerCase(Locale.ROOT);
		return message.contains("server asked for stream") || message.contains("is not under the safe path")
				|| message.contains("specified in '" + DRIVER_PROPERTY.toLowerCase(Locale.ROOT) + "'");
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
	 * Releases the lock and removes the folder.
	 */
	@Override
	public void close() {
		try {
			this.lock.close();
		}
		catch (IOException ex) {
			// closing releases the lock either way
		}
		LIVE.remove(this.folder);
		remove(this.folder);
	}

}
