package dev.uapsync.store;

import java.util.Locale;

import com.zaxxer.hikari.HikariDataSource;

import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Sets two driver properties the sync depends on, unless the JDBC URL sets them itself:
 * <ul>
 * <li>MySQL: {@code rewriteBatchedStatements=true}, so that a chunk's upserts travel as
 * one multi-row statement rather than one round trip per user;
 * <li>H2: {@code DB_CLOSE_ON_EXIT=FALSE}, so that H2's own shutdown hook does not close
 * the database under a sync that is stopping gracefully after a SIGTERM (the sync closes
 * it when it ends); and {@code WRITE_DELAY=0}, so that a commit is on disk when it
 * returns, as the saved offset promises, rather than up to half a second later: H2's
 * default loses the last commits to a {@code kill -9} or a power cut.
 * </ul>
 */
public class DataSourceTuning implements BeanPostProcessor {

	@Override
	public Object postProcessBeforeInitialization(Object bean, String beanName) {
		if (bean instanceof HikariDataSource dataSource && dataSource.getJdbcUrl() != null) {
			String url = dataSource.getJdbcUrl();
			if (url.startsWith("jdbc:mysql:") && !url.contains("rewriteBatchedStatements")) {
				dataSource.addDataSourceProperty("rewriteBatchedStatements", "true");
			}
			if (url.startsWith("jdbc:h2:")) {
				setUnlessInUrl(dataSource, "DB_CLOSE_ON_EXIT", "FALSE");
				setUnlessInUrl(dataSource, "WRITE_DELAY", "0");
			}
		}
		return bean;
	}

	private static void setUnlessInUrl(HikariDataSource dataSource, String setting, String value) {
		if (!dataSource.getJdbcUrl().toUpperCase(Locale.ROOT).contains(";" + setting + "=")) {
			dataSource.addDataSourceProperty(setting, value);
		}
	}

}
