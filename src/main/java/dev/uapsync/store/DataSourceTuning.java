package dev.uapsync.store;

import java.nio.file.Path;
import java.util.Locale;

import com.zaxxer.hikari.HikariDataSource;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Sets the driver properties the sync depends on, unless the JDBC URL sets them itself:
 * <ul>
 * <li>MySQL: {@code rewriteBatchedStatements=true}, so that a chunk's upserts travel as
 * one multi-row statement rather than one round trip per user; and, for a command that
 * may write and unless {@code uap.load-data} is false, {@code allowLoadLocalInfileInPath}
 * naming the folder of a new {@link LocalInfileLoader}, which this tuning removes when
 * the application closes;
 * <li>H2: {@code DB_CLOSE_ON_EXIT=FALSE}, so that H2's own shutdown hook does not close
 * the database under a sync that is stopping gracefully after a SIGTERM (the sync closes
 * it when it ends); and {@code WRITE_DELAY=0}, so that a commit is on disk when it
 * returns, as the saved offset promises, rather than up to half a second later: H2's
 * default loses the last commits to a {@code kill -9} or a power cut; and
 * {@code TRACE_LEVEL_FILE=0}, since the Spring Batch DDL run at every start fails on
 * tables that exist, which H2 would otherwise write to a trace file that only grows.
 * </ul>
 */
public class DataSourceTuning implements BeanPostProcessor, DisposableBean {

	/**
	 * The internal property of a command that writes no user ({@code status}, a dry run),
	 * which needs no {@link LocalInfileLoader}.
	 */
	public static final String WRITES_NO_USERS = "uap.internal.writes-no-users";

	private final boolean h2Snapshot;

	private final boolean loadData;

	private @Nullable LocalInfileLoader localInfileLoader;

	/**
	 * Creates the tuning.
	 * @param h2Snapshot whether to open a read-only copy of an H2 file database instead
	 * of the database itself ({@link H2Snapshot}), for {@code status} while a sync runs
	 * @param loadData whether new users may be inserted with {@code LOAD DATA LOCAL
	 * INFILE} on MySQL and MariaDB: the setting, for a command that writes users
	 */
	public DataSourceTuning(boolean h2Snapshot, boolean loadData) {
		this.h2Snapshot = h2Snapshot;
		this.loadData = loadData;
	}

	@Override
	public Object postProcessBeforeInitialization(Object bean, String beanName) {
		if (bean instanceof HikariDataSource dataSource && dataSource.getJdbcUrl() != null) {
			String snapshot = this.h2Snapshot ? H2Snapshot.copy(dataSource.getJdbcUrl()) : null;
			if (snapshot != null) {
				dataSource.setJdbcUrl(snapshot);
				dataSource.setReadOnly(true);
			}
			String url = dataSource.getJdbcUrl();
			if (url.startsWith("jdbc:mysql:") && !url.contains("rewriteBatchedStatements")) {
				dataSource.addDataSourceProperty("rewriteBatchedStatements", "true");
			}
			if (url.startsWith("jdbc:mysql:")) {
				LocalInfileLoader.removeLeftOvers(Path.of(System.getProperty("java.io.tmpdir")));
				// a command that writes nothing needs no loader; a URL or pool
				// that sets a driver local infile property keeps it, and no loader
				if (this.loadData && !setsLocalInfile(dataSource)) {
					this.localInfileLoader = LocalInfileLoader.create();
					if (this.localInfileLoader != null) {
						dataSource.addDataSourceProperty(LocalInfileLoader.DRIVER_PROPERTY,
								this.localInfileLoader.folder().toString());
					}
				}
			}
			if (url.startsWith("jdbc:h2:")) {
				// H2 refuses DB_CLOSE_ON_EXIT=FALSE beside AUTO_SERVER=TRUE
				if (!url.toUpperCase(Locale.ROOT).contains(";AUTO_SERVER=TRUE")) {
					setUnlessInUrl(dataSource, "DB_CLOSE_ON_EXIT", "FALSE");
				}
				setUnlessInUrl(dataSource, "WRITE_DELAY", "0");
				setUnlessInUrl(dataSource, "TRACE_LEVEL_FILE", "0");
			}
		}
		return bean;
	}

	/**
	 * Returns the loader whose folder the MySQL driver may send files from.
	 * @return the loader, or null when the database is not MySQL or MariaDB, or the
	 * command or the settings want none
	 */
	public @Nullable LocalInfileLoader localInfileLoader() {
		return this.localInfileLoader;
	}

	@Override
	public void destroy() {
		if (this.localInfileLoader != null) {
			this.localInfileLoader.close();
		}
	}

	private static boolean setsLocalInfile(HikariDataSource dataSource) {
		return dataSource.getJdbcUrl().toLowerCase(Locale.ROOT).contains("allowloadlocalinfile")
				|| dataSource.getDataSourceProperties()
					.stringPropertyNames()
					.stream()
					.anyMatch((name) -> name.toLowerCase(Locale.ROOT).startsWith("allowloadlocalinfile"));
	}

	private static void setUnlessInUrl(HikariDataSource dataSource, String setting, String value) {
		if (!dataSource.getJdbcUrl().toUpperCase(Locale.ROOT).contains(";" + setting + "=")) {
			dataSource.addDataSourceProperty(setting, value);
		}
	}

}
