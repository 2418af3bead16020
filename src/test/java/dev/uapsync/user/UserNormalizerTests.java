package dev.uapsync.user;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link UserNormalizer}, one rule at a time.
 */
class UserNormalizerTests {

	@Test
	void nameKeepsACleanValueAsItIs() {
		assertThat(UserNormalizer.name("Zhang San")).isEqualTo("Zhang San");
		assertThat(UserNormalizer.name("张三")).isEqualTo("张三");
	}

	@Test
	void nameKeepsLetterCase() {
		assertThat(UserNormalizer.name("mcDonald MACKAY")).isEqualTo("mcDonald MACKAY");
	}

	@Test
	void nameOfNullIsNull() {
		assertThat(UserNormalizer.name(null)).isNull();
	}

	@Test
	void nameThatIsEmptyOrOnlyBlankOrInvisibleIsNull() {
		assertThat(UserNormalizer.name("")).isNull();
		assertThat(UserNormalizer.name("   ")).isNull();
		assertThat(UserNormalizer.name("\u3000\t\n")).isNull();
		assertThat(UserNormalizer.name("\u200B\uFEFF")).isNull();
	}

	@Test
	void nameTurnsFullWidthLettersAndDigitsIntoAscii() {
		assertThat(UserNormalizer.name("Ｚｈａｎｇ　Ｓａｎ１２３")).isEqualTo("Zhang San123");
	}

	@Test
	void nameTurnsIdeographicSpaceIntoOneSpace() {
		assertThat(UserNormalizer.name("张\u3000三")).isEqualTo("张 三");
	}

	@Test
	void nameTurnsTabsAndLineBreaksIntoSpaces() {
		assertThat(UserNormalizer.name("Zhang\tSan")).isEqualTo("Zhang San");
		assertThat(UserNormalizer.name("Zhang\r\nSan")).isEqualTo("Zhang San");
		assertThat(UserNormalizer.name("Zhang\u0085San")).isEqualTo("Zhang San");
		assertThat(UserNormalizer.name("Zhang\u2028San")).isEqualTo("Zhang San");
	}

	@Test
	void nameCollapsesRunsOfSpacesAndTrimsTheEnds() {
		assertThat(UserNormalizer.name("  Zhang   San  ")).isEqualTo("Zhang San");
		assertThat(UserNormalizer.name("Zhang \t \n San")).isEqualTo("Zhang San");
	}

	@Test
	void nameTurnsNoBreakSpacesIntoSpaces() {
		assertThat(UserNormalizer.name("Zhang\u00A0San\u202FLi")).isEqualTo("Zhang San Li");
	}

	@Test
	void nameRemovesZeroWidthAndFormatCharacters() {
		assertThat(UserNormalizer.name("Zh\u200Bang\u200C San\u200D\u2060\uFEFF")).isEqualTo("Zhang San");
	}

	@Test
	void nameRemovesAFormatCharacterBetweenSpacesAndStillCollapsesThem() {
		assertThat(UserNormalizer.name("Zhang \u200B San")).isEqualTo("Zhang San");
	}

	@Test
	void nameRemovesControlCharactersThatAreNotWhiteSpace() {
		assertThat(UserNormalizer.name("Zhang\u0000\u0007San\u007F")).isEqualTo("ZhangSan");
	}

	@Test
	void nameComposesDecomposedAccents() {
		assertThat(UserNormalizer.name("Zoe\u0301 Mu\u0308ller")).isEqualTo("Zoé Müller");
	}

	@Test
	void nameRemovesUnpairedSurrogatesWhichNoDatabaseCanStore() {
		assertThat(UserNormalizer.name("A\uD800B\uDC00")).isEqualTo("AB");
		assertThat(UserNormalizer.name("😀")).as("a pair is one character, kept").isEqualTo("😀");
	}

	@Test
	void nameComposesALetterAndItsAccentThatARemovedCharacterSeparated() {
		assertThat(UserNormalizer.name("Zoe\u200B\u0301")).isEqualTo("Zoé");
		assertThat(UserNormalizer.name("Zoe\u0007\u0301")).isEqualTo("Zoé");
	}

	@Test
	void nameKeepsEmojiIncludingModifiersAndVariationSelectors() {
		assertThat(UserNormalizer.name("Amy 🌸")).isEqualTo("Amy 🌸");
		assertThat(UserNormalizer.name("👍🏽 ❤️")).isEqualTo("👍🏽 ❤️");
	}

	@Test
	void nameSplitsAnEmojiZeroWidthJoinerSequenceBecauseTheJoinerIsAFormatCharacter() {
		assertThat(UserNormalizer.name("👩\u200D💻")).isEqualTo("👩💻");
	}

	@Test
	void nameAppliesNfkcCompatibilityMappings() {
		assertThat(UserNormalizer.name("ﬁne ｶﾀｶﾅ")).isEqualTo("fine カタカナ");
	}

	@Test
	void lengthCountsCodePointsNotUtf16Units() {
		assertThat(UserNormalizer.length("😀😀")).isEqualTo(2);
		assertThat(UserNormalizer.length(null)).isZero();
	}

	@Test
	void mobileTurnsFullWidthDigitsIntoAsciiAndTrims() {
		assertThat(UserNormalizer.mobile("\u3000１３８００１３８０００ \t")).isEqualTo("13800138000");
	}

	@Test
	void mobileOfNullIsNull() {
		assertThat(UserNormalizer.mobile(null)).isNull();
	}

	@Test
	void mobileIsValidWithFiveToTwentyDigitsAndAnOptionalPlus() {
		assertThat(UserNormalizer.isValidMobile("13800138000")).isTrue();
		assertThat(UserNormalizer.isValidMobile("+8613800138000")).isTrue();
		assertThat(UserNormalizer.isValidMobile("12345")).isTrue();
		assertThat(UserNormalizer.isValidMobile("12345678901234567890")).isTrue();
	}

	@Test
	void mobileIsInvalidWhenTooShortTooLongOrNotOnlyDigits() {
		assertThat(UserNormalizer.isValidMobile(null)).isFalse();
		assertThat(UserNormalizer.isValidMobile("")).isFalse();
		assertThat(UserNormalizer.isValidMobile("1234")).isFalse();
		assertThat(UserNormalizer.isValidMobile("123456789012345678901")).isFalse();
		assertThat(UserNormalizer.isValidMobile("138 0013 8000")).isFalse();
		assertThat(UserNormalizer.isValidMobile("138-0013-8000")).isFalse();
		assertThat(UserNormalizer.isValidMobile("++8613800138000")).isFalse();
		assertThat(UserNormalizer.isValidMobile("٣٣٣٣٣٣")).isFalse();
	}

	@Test
	void mobileKeepsInnerZeroWidthCharactersSoTheyMakeItInvalid() {
		String mobile = UserNormalizer.mobile("138\u200B00138000");
		assertThat(UserNormalizer.isValidMobile(mobile)).isFalse();
	}

	@Test
	void nameSkipsTheRulesOnlyForValuesTheRulesWouldKeepAsTheyAre() {
		// clean characters, the first characters past each end of their ranges, and
		// characters each rule changes
		String alphabet = " !~\u007F\u0000\u00B7\u00B6\u00B8\u4E00\u4DFF\u9FFF\uA000\u9F99\u3000\u00A0\t\n"
				+ "\u200B\uFEFF\u0301\uFF21\u2460\uF900\uD800\u00E9aZ0\u00C0\u00FF\u00BF\u00BD\u00AA\u0100";
		SplittableRandom random = new SplittableRandom(6);
		int clean = 0;
		for (int i = 0; i < 200_000; i++) {
			String raw = randomText(random,
					(i % 2 == 0) ? alphabet : alphabet.substring(0, 3) + "\u00B7\u4E00\u9FFF\u00C0\u00FF\u00E9");
			assertThat(UserNormalizer.name(raw)).as("name of %s", escaped(raw))
				.isEqualTo(UserNormalizer.nameByTheRules(raw));
			if (UserNormalizer.isCleanName(raw)) {
				clean++;
			}
		}
		// both paths taken often
		assertThat(clean).isBetween(20_000, 180_000);
	}

	@Test
	void everyCharacterTheShortcutKeepsIsKeptByTheRulesAloneAndBesideAnyOther() {
		StringBuilder accepted = new StringBuilder();
		for (char c = 0; c < Character.MAX_VALUE; c++) {
			if (UserNormalizer.isCleanName(String.valueOf(c))) {
				accepted.append(c);
			}
		}
		// printable ASCII but the space, U+00C0-U+00FF, the middle dot, CJK ideographs
		assertThat(accepted.length()).isEqualTo(94 + 64 + 1 + 0x5200);
		String notCjk = accepted.substring(0, 94 + 64 + 1) + " ";
		List<String> changed = new ArrayList<>();
		for (int i = 0; i < accepted.length(); i++) {
			char c = accepted.charAt(i);
			keptByTheRules(String.valueOf(c), changed);
			// beside its CJK neighbour: ideographs compose with none
			keptByTheRules(c + String.valueOf(accepted.charAt((i + 1) % accepted.length())), changed);
			for (int j = 0; j < notCjk.length(); j++) {
				char other = notCjk.charAt(j);
				keptByTheRules(c + String.valueOf(other) + c, changed);
			}
		}
		assertThat(changed).isEmpty();
	}

	private static void keptByTheRules(String text, List<String> changed) {
		if (!text.equals(UserNormalizer.nameByTheRules(text)) || !UserNormalizer.isCleanName(text)) {
			changed.add(escaped(text));
		}
	}

	@Test
	void mobileIsValidExactlyWhenItMatchesThePattern() {
		Pattern pattern = Pattern.compile(UserNormalizer.MOBILE_PATTERN);
		SplittableRandom random = new SplittableRandom(7);
		int valid = 0;
		for (int i = 0; i < 200_000; i++) {
			String raw = randomText(random, (i % 2 == 0) ? "0123456789+ a\uFF11\u0663" : "0123456789+");
			String mobile = UserNormalizer.mobile(raw);
			assertThat(UserNormalizer.isValidMobile(mobile)).as("validity of %s", escaped(mobile))
				.isEqualTo(pattern.matcher(mobile).matches());
			if (UserNormalizer.isValidMobile(mobile)) {
				valid++;
			}
		}
		assertThat(valid).isBetween(20_000, 180_000);
	}

	@Test
	void mobileOfDigitsAndPlusIsTheSameAsByNormalizing() {
		SplittableRandom random = new SplittableRandom(8);
		for (int i = 0; i < 100_000; i++) {
			String raw = randomText(random, "0123456789+ \uFF11\u3000");
			assertThat(UserNormalizer.mobile(raw)).as("mobile of %s", escaped(raw))
				.isEqualTo(Normalizer.normalize(raw, Normalizer.Form.NFKC).strip());
		}
	}

	/**
	 * A text of 0 to 24 characters, each drawn from the alphabet.
	 */
	private static String randomText(SplittableRandom random, String alphabet) {
		int length = random.nextInt(25);
		StringBuilder text = new StringBuilder(length);
		for (int i = 0; i < length; i++) {
			text.append(alphabet.charAt(random.nextInt(alphabet.length())));
		}
		return text.toString();
	}

	private static String escaped(String text) {
		StringBuilder result = new StringBuilder();
		text.chars()
			.forEach((c) -> result
				.append((c >= 0x20 && c < 0x7F) ? String.valueOf((char) c) : String.format("\\u%04X", c)));
		return result.toString();
	}

}
