package dev.uapsync;

import java.nio.file.Path;

/**
 * The whole sync on H2, the embedded default.
 */
class SyncJobH2Tests extends AbstractSyncJobTests {

	@Override
	TestDatabase database(Path folder) {
		return TestDatabase.h2(folder);
	}

}
