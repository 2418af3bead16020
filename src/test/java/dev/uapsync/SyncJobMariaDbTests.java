package dev.uapsync;

import java.nio.file.Path;

/**
 * The whole sync on MariaDB through MySQL Connector/J, each test in a database of its
 * own.
 */
class SyncJobMariaDbTests extends AbstractSyncJobTests {

	@Override
	TestDatabase database(Path folder) {
		return TestDatabase.mariaDb();
	}

}
