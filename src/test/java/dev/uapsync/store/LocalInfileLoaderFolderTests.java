package dev.uapsync.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The folders of {@link LocalInfileLoader}: made private, removed when done, and those of
 * killed syncs removed by the next, without touching anything else.
 */
@ExtendWith(OutputCaptureExtension.class)
class LocalInfileLoaderFolderTests {

	@TempDir
	Path temporary;

	@Test
	void aLoadersFolderIsItsOwnersOnlyAndGoesWhenItCloses() throws Exception {
		LocalInfileLoader loader = LocalInfileLoader.create(this.temporary);
		assertThat(loader).isNotNull();
		assertThat(loader.folder().getParent()).isEqualTo(this.temporary);
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(loader.folder())))
			.isEqualTo("rwx------");

		loader.close();

		assertThat(loader.folder()).doesNotExist();
	}

	@Test
	void theFolderAKilledSyncLeftIsRemovedWithItsRows() throws Exception {
		// as a killed sync leaves it: its lock file no longer locked, a chunk's rows in
		// it
		Path left = Files.createDirectory(this.temporary.resolve("uap-user-sync-load-4242-77"));
		Files.createFile(left.resolve("lock"));
		Files.writeString(left.resolve("new-users.tsv"), "13800000000\tLi Lei\t\\N\n");
		LocalInfileLoader living = LocalInfileLoader.create(this.temporary);

		LocalInfileLoader.removeLeftOvers(this.temporary);

		assertThat(left).doesNotExist();
		assertThat(living.folder()).as("this process's living loader's").exists();
		living.close();
	}

	@Test
	void whatOnlyLooksLikeALeftOverFolderIsLeftAlone() throws Exception {
		Path elsewhere = Files.createDirectory(this.temporary.resolve("elsewhere"));
		Files.createFile(elsewhere.resolve("lock"));
		Files.writeString(elsewhere.resolve("new-users.tsv"), "keep me");
		Path link = Files.createSymbolicLink(this.temporary.resolve("uap-user-sync-load-4243-1"), elsewhere);
		Path noLock = Files.createDirectory(this.temporary.resolve("uap-user-sync-load-4244-1"));
		Path hugeNumber = Files.createDirectory(this.temporary.resolve("uap-user-sync-load-99999999999999999999-1"));
		Path otherFiles = Files.createDirectory(this.temporary.resolve("uap-user-sync-load-4245-1"));
		Files.createFile(otherFiles.resolve("lock"));
		Files.writeString(otherFiles.resolve("notes.txt"), "not the loader's");

		LocalInfileLoader.removeLeftOvers(this.temporary);

		assertThat(link).exists();
		assertThat(elsewhere.resolve("new-users.tsv")).hasContent("keep me");
		assertThat(noLock).exists();
		assertThat(hugeNumber).exists();
		assertThat(otherFiles.resolve("notes.txt")).hasContent("not the loader's");
	}

	@Test
	void withoutAFolderToWriteInNewUsersGoInByInsertAndTheLogSaysWhy(CapturedOutput output) {
		Path missing = this.temporary.resolve("missing");

		assertThat(LocalInfileLoader.create(missing)).isNull();

		assertThat(output.getAll()).contains("New users are inserted with INSERT statements: no folder for LOAD DATA")
			.contains(missing.toString())
			.contains("java.io.tmpdir");
	}

}
