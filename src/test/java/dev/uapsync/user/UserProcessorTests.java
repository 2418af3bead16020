package dev.uapsync.user;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.JsonNodeFactory;

import dev.uapsync.uap.UapUser;
import dev.uapsync.user.SyncItem.NormalizedUser;
import dev.uapsync.user.SyncItem.RejectedUser;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link UserProcessor}.
 */
class UserProcessorTests {

	private final UserProcessor processor = new UserProcessor();

	@Test
	void validUserComesOutNormalized() {
		SyncItem item = this.processor.process(user(" １３８００１３８０００", " 张\u200B三 ", "Zhang\tSan"));

		assertThat(item).isEqualTo(new NormalizedUser("13800138000", "张三", "Zhang San"));
	}

	@Test
	void userWithoutMobileIsRejected() {
		assertThat(reason(user(null, "张三", null))).isEqualTo("mobile is missing");
		assertThat(reason(user("  ", "张三", null))).isEqualTo("mobile is missing");
	}

	@Test
	void userWithMalformedMobileIsRejected() {
		assertThat(reason(user("138-0013-8000", "张三", null)))
			.isEqualTo("mobile is not 5 to 20 digits with an optional leading +");
	}

	@Test
	void userWithNameLongerThan255CharactersAfterNormalizationIsRejected() {
		assertThat(reason(user("13800138000", "x".repeat(256), null)))
			.isEqualTo("name is 256 characters after normalization, more than 255");
		assertThat(reason(user("13800138000", null, "y".repeat(300))))
			.isEqualTo("english_name is 300 characters after normalization, more than 255");
	}

	@Test
	void nameOf255CodePointsIsAcceptedEvenWhenItHasMoreUtf16Units() {
		String name = "😀".repeat(255);

		SyncItem item = this.processor.process(user("13800138000", "  " + name + "\u200B ", null));

		assertThat(item).isEqualTo(new NormalizedUser("13800138000", name, null));
	}

	@Test
	void nameMeasuredAfterNormalizationSoSurroundingSpaceDoesNotCount() {
		SyncItem item = this.processor.process(user("13800138000", "   " + "x".repeat(255) + "   ", null));

		assertThat(item).isInstanceOf(NormalizedUser.class);
	}

	@Test
	void recordThatCouldNotBeReadIsRejectedWithItsProblem() {
		UapUser broken = new UapUser(7, null, null, null, "the record is not a JSON object",
				JsonNodeFactory.instance.stringNode("oops"));

		assertThat(reason(broken)).isEqualTo("the record is not a JSON object");
	}

	private static UapUser user(String mobile, String name, String englishName) {
		return new UapUser(0, mobile, name, englishName, null, JsonNodeFactory.instance.objectNode());
	}

	private String reason(UapUser user) {
		SyncItem item = this.processor.process(user);
		assertThat(item).isInstanceOf(RejectedUser.class);
		return ((RejectedUser) item).reason();
	}

}
