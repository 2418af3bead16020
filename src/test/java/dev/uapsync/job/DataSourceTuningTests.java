package dev.uapsync.job;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;

import org.springframework.mock.env.MockEnvironment;

import dev.uapsync.store.DataSourceTuning;
import dev.uapsync.store.LocalInfileLoader;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which commands get a {@link LocalInfileLoader} and its driver property.
 */
class DataSourceTuningTests {

	@Test
	void aCommandThatWritesUsersToMySqlGetsALoaderAndTheDriverItsFolder() {
		DataSourceTuning tuning = tune(new MockEnvironment(), "jdbc:mysql://127.0.0.1:3306/any");
		try {
			assertThat(tuning.localInfileLoader()).isNotNull();
			assertThat(this.dataSource.getDataSourceProperties().getProperty(LocalInfileLoader.DRIVER_PROPERTY))
				.isEqualTo(tuning.localInfileLoader().folder().toString());
			assertThat(this.dataSource.getDataSourceProperties()).doesNotContainKey("allowLoadLocalInfile");
		}
		finally {
			tuning.destroy();
		}
	}

	@Test
	void aCommandThatWritesNoUserGetsNone() {
		DataSourceTuning tuning = tune(new MockEnvironment().withProperty(DataSourceTuning.WRITES_NO_USERS, "true"),
				"jdbc:mysql://127.0.0.1:3306/any");

		assertThat(tuning.localInfileLoader()).isNull();
		assertThat(this.dataSource.getDataSourceProperties()).doesNotContainKey(LocalInfileLoader.DRIVER_PROPERTY);
	}

	@Test
	void loadDataOffGetsNone() {
		DataSourceTuning tuning = tune(new MockEnvironment().withProperty("uap.load-data", "false"),
				"jdbc:mysql://127.0.0.1:3306/any");

		assertThat(tuning.localInfileLoader()).isNull();
	}

	@Test
	void aUrlOrPoolThatSetsALocalInfilePropertyKeepsItAndGetsNoLoader() {
		assertThat(tune(new MockEnvironment(), "jdbc:mysql://127.0.0.1:3306/any?allowLoadLocalInfile=true")
			.localInfileLoader()).isNull();
		HikariDataSource pool = new HikariDataSource();
		pool.setJdbcUrl("jdbc:mysql://127.0.0.1:3306/any");
		pool.addDataSourceProperty("allowLoadLocalInfileInPath", "/srv/loads");
		DataSourceTuning tuning = SyncJobConfiguration.dataSourceTuning(new MockEnvironment());
		tuning.postProcessBeforeInitialization(pool, "dataSource");

		assertThat(tuning.localInfileLoader()).isNull();
		assertThat(pool.getDataSourceProperties().getProperty(LocalInfileLoader.DRIVER_PROPERTY))
			.isEqualTo("/srv/loads");
	}

	@Test
	void h2GetsNone() {
		assertThat(tune(new MockEnvironment(), "jdbc:h2:mem:any").localInfileLoader()).isNull();
	}

	private HikariDataSource dataSource;

	private DataSourceTuning tune(MockEnvironment environment, String url) {
		this.dataSource = new HikariDataSource();
		this.dataSource.setJdbcUrl(url);
		DataSourceTuning tuning = SyncJobConfiguration.dataSourceTuning(environment);
		tuning.postProcessBeforeInitialization(this.dataSource, "dataSource");
		return tuning;
	}

}
