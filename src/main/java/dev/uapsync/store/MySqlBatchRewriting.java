package dev.uapsync.store;

import com.zaxxer.hikari.HikariDataSource;

import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Turns on Connector/J's {@code rewriteBatchedStatements} for a MySQL URL, so that a
 * chunk's upserts travel as one multi-row statement rather than one round trip per user.
 * An explicit setting in the URL wins. Other databases are left alone.
 */
public class MySqlBatchRewriting implements BeanPostProcessor {

	@Override
	public Object postProcessBeforeInitialization(Object bean, String beanName) {
		if (bean instanceof HikariDataSource dataSource && dataSource.getJdbcUrl() != null
				&& dataSource.getJdbcUrl().startsWith("jdbc:mysql:")
				&& !dataSource.getJdbcUrl().contains("rewriteBatchedStatements")) {
			dataSource.addDataSourceProperty("rewriteBatchedStatements", "true");
		}
		return bean;
	}

}
