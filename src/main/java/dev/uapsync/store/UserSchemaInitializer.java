package dev.uapsync.store;

import java.util.List;

import javax.sql.DataSource;

import org.springframework.boot.jdbc.init.DataSourceScriptDatabaseInitializer;
import org.springframework.boot.sql.init.DatabaseInitializationMode;
import org.springframework.boot.sql.init.DatabaseInitializationSettings;

/**
 * Applies the DDL of {@code uap_user} and {@code uap_user_reject}
 * ({@code sql/<db>/schema.sql}) when the application starts, through Spring Boot's script
 * initializer, like the Spring Batch tables beside them. The scripts are idempotent, so
 * every start applies them.
 */
public class UserSchemaInitializer extends DataSourceScriptDatabaseInitializer {

	public UserSchemaInitializer(DataSource dataSource, SqlDialect dialect) {
		super(dataSource, settings(dialect));
	}

	private static DatabaseInitializationSettings settings(SqlDialect dialect) {
		DatabaseInitializationSettings settings = new DatabaseInitializationSettings();
		settings.setSchemaLocations(List.of(dialect.schemaLocation()));
		settings.setMode(DatabaseInitializationMode.ALWAYS);
		return settings;
	}

}
