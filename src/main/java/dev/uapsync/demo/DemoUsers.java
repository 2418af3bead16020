package dev.uapsync.demo;

import java.text.Normalizer;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import org.jspecify.annotations.Nullable;

/**
 * The demo UAP's users: generated, not stored, so any number of them costs no memory.
 * User {@code i} is the same for the same seed on every call and every machine.
 *
 * <p>
 * Each user starts from clean values and gets the mess that real UAP data carries:
 * surrounding and doubled white space, tabs and line breaks, full-width letters, digits
 * and spaces, zero-width and control characters, decomposed accents, emoji, empty strings
 * and nulls, and about 2% records that must be rejected (a malformed mobile, a name over
 * 255 characters). The mess is chosen so that normalization gives back exactly the clean
 * values, which {@link DemoUser} carries as the expected outcome.
 */
public final class DemoUsers {

	private static final List<String> SURNAMES = List.of("王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "欧阳", "司马");

	private static final List<String> GIVEN_NAMES = List.of("伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇",
			"军", "杰", "娟");

	private static final List<String> ENGLISH_FIRST = List.of("Wei", "Fang", "Amy", "Zoé", "Chloé", "Li", "Max", "Anna",
			"John", "Mary", "Sam", "Lucy", "Tom", "Iris");

	private static final List<String> ENGLISH_LAST = List.of("Wang", "Li", "Zhang", "Liu", "Chen", "Smith", "O'Brien",
			"Lee", "Müller", "Nguyen", "Kim", "Brown");

	private static final List<String> EMOJI = List.of("🌸", "😀", "🐱", "🚀", "👍🏽", "❤️");

	private static final List<String> SPACE_RUNS = List.of(" ", "  ", "\t", "\u3000", " \n ", "\r\n", "\u00A0",
			"\u2003");

	private static final List<String> EDGE_JUNK = List.of(" ", "  ", "\t", "\u3000", "\n", "\u200B", "\uFEFF", "\r\n");

	private static final List<String> INVISIBLE = List.of("\u200B", "\u200C", "\u200D", "\u2060", "\uFEFF", "\u0007",
			"\u0000");

	private static final List<String> BAD_MOBILES = List.of("", "   ", "13-800-138", "abc", "1234", "138 0013 8000",
			"1380013800012345678901", "+", "++8613800138000");

	private final long seed;

	private final long count;

	private final int renamedPercent;

	/**
	 * Creates a generator.
	 * @param count how many users the UAP holds
	 * @param seed the seed; the same seed gives the same users
	 */
	public DemoUsers(long count, long seed) {
		this(count, seed, 0);
	}

	private DemoUsers(long count, long seed, int renamedPercent) {
		this.count = count;
		this.seed = seed;
		this.renamedPercent = renamedPercent;
	}

	/**
	 * Returns the same users, but with about {@code percent} of them renamed: their clean
	 * English name gains the suffix {@code " II"}. Everything else stays as it was.
	 * @param percent the share of users to rename, from 0 to 100
	 * @return the renamed users
	 */
	public DemoUsers withRenamed(int percent) {
		return new DemoUsers(this.count, this.seed, percent);
	}

	/**
	 * Tells whether user {@code index} is one of the renamed ones.
	 * @param index the user's position
	 * @return whether its English name gained the suffix
	 */
	public boolean isRenamed(long index) {
		return this.renamedPercent > 0
				&& new SplittableRandom(~(this.seed * 1_000_003L + index)).nextInt(100) < this.renamedPercent;
	}

	/**
	 * Returns how many users there are.
	 * @return the count
	 */
	public long count() {
		return this.count;
	}

	/**
	 * Returns user {@code index}, from 0 to {@link #count()} - 1.
	 * @param index the user's position
	 * @return the user
	 */
	public DemoUser user(long index) {
		SplittableRandom random = new SplittableRandom(this.seed * 1_000_003L + index);
		String cleanMobile = String.format("13%09d", index);
		boolean plus86 = random.nextInt(100) < 3;
		if (plus86) {
			cleanMobile = "+86" + cleanMobile;
		}
		String cleanName = chineseName(random);
		String cleanEnglish = englishName(random) + (isRenamed(index) ? " II" : "");
		int roll = random.nextInt(1000);
		if (roll < 15) {
			String badMobile = pick(random, BAD_MOBILES);
			return DemoUser.rejected(index, (roll < 3) ? null : badMobile, messy(random, cleanName),
					messy(random, cleanEnglish));
		}
		if (roll < 18) {
			String tooLong = "长".repeat(256 + random.nextInt(100));
			return DemoUser.rejected(index, cleanMobile, messy(random, tooLong), messy(random, cleanEnglish));
		}
		if (roll < 20) {
			String exactlyLongest = "😀".repeat(100) + "x".repeat(155);
			return new DemoUser(index, cleanMobile, cleanMobile, messy(random, exactlyLongest), exactlyLongest,
					cleanEnglish, cleanEnglish, false);
		}
		boolean asNumber = !plus86 && random.nextInt(100) < 3;
		String rawMobile = asNumber ? cleanMobile : messyMobile(random, cleanMobile);
		String[] name = emptyOrMessy(random, cleanName);
		String[] english = emptyOrMessy(random, cleanEnglish);
		return new DemoUser(index, rawMobile, cleanMobile, name[0], name[1], english[0], english[1], asNumber);
	}

	private static String chineseName(SplittableRandom random) {
		String name = pick(random, SURNAMES) + pick(random, GIVEN_NAMES);
		int roll = random.nextInt(100);
		if (roll < 5) {
			return name + pick(random, EMOJI);
		}
		if (roll < 8) {
			return name + " (" + (char) ('A' + random.nextInt(26)) + random.nextInt(10) + ")";
		}
		return name;
	}

	private static String englishName(SplittableRandom random) {
		String name = pick(random, ENGLISH_FIRST) + " " + pick(random, ENGLISH_LAST);
		int roll = random.nextInt(100);
		if (roll < 10) {
			return name.toLowerCase(Locale.ROOT);
		}
		if (roll < 13) {
			return name + " " + pick(random, EMOJI);
		}
		return name;
	}

	/**
	 * Returns {raw, expected}: mostly a messy version of the clean value, sometimes null,
	 * an empty string or only invisible characters, all of which normalize to null.
	 */
	private static String[] emptyOrMessy(SplittableRandom random, String clean) {
		int roll = random.nextInt(100);
		if (roll < 3) {
			return new String[] { null, null };
		}
		if (roll < 5) {
			return new String[] { pick(random, List.of("", " ", "\u3000\t", "\u200B", "\n\uFEFF ")), null };
		}
		return new String[] { messy(random, clean), clean };
	}

	private static String messy(SplittableRandom random, String clean) {
		String text = clean;
		if (random.nextInt(100) < 20) {
			text = fullWidth(text);
		}
		if (random.nextInt(100) < 30) {
			text = text.replace(" ", pick(random, SPACE_RUNS));
		}
		if (random.nextInt(100) < 20) {
			text = Normalizer.normalize(text, Normalizer.Form.NFD);
		}
		if (random.nextInt(100) < 25) {
			text = insertInvisible(random, text);
		}
		if (random.nextInt(100) < 30) {
			text = pick(random, EDGE_JUNK) + text + pick(random, EDGE_JUNK);
		}
		return text;
	}

	private static String messyMobile(SplittableRandom random, String clean) {
		String text = clean;
		if (random.nextInt(100) < 5) {
			text = fullWidth(text);
		}
		if (random.nextInt(100) < 5) {
			text = pick(random, List.of(" ", "\u3000", "\t")) + text + pick(random, List.of(" ", "\n", "\u3000"));
		}
		return text;
	}

	/**
	 * Replaces ASCII letters, digits and punctuation with their full-width forms and
	 * spaces with U+3000, all of which NFKC maps back.
	 */
	private static String fullWidth(String text) {
		StringBuilder result = new StringBuilder(text.length());
		text.codePoints().forEach((c) -> {
			if (c == ' ') {
				result.append('\u3000');
			}
			else if (c > 0x20 && c < 0x7f) {
				result.appendCodePoint(c + 0xFEE0);
			}
			else {
				result.appendCodePoint(c);
			}
		});
		return result.toString();
	}

	private static String insertInvisible(SplittableRandom random, String text) {
		int[] codePoints = text.codePoints().toArray();
		int at = random.nextInt(codePoints.length + 1);
		StringBuilder result = new StringBuilder(text.length() + 1);
		for (int i = 0; i < codePoints.length; i++) {
			if (i == at) {
				result.append(pick(random, INVISIBLE));
			}
			result.appendCodePoint(codePoints[i]);
		}
		if (at == codePoints.length) {
			result.append(pick(random, INVISIBLE));
		}
		return result.toString();
	}

	private static <T> T pick(SplittableRandom random, List<T> values) {
		return values.get(random.nextInt(values.size()));
	}

	/**
	 * One demo user: what the UAP sends, and what the sync must make of it.
	 *
	 * @param index the user's position in the UAP's list
	 * @param rawMobile the mobile as sent
	 * @param mobile the expected normalized mobile, or {@code null} when the user must be
	 * rejected
	 * @param rawName the name as sent
	 * @param name the expected normalized name
	 * @param rawEnglishName the English name as sent
	 * @param englishName the expected normalized English name
	 * @param mobileAsNumber whether the mobile is sent as a JSON number
	 */
	public record DemoUser(long index, @Nullable String rawMobile, @Nullable String mobile, @Nullable String rawName,
			@Nullable String name, @Nullable String rawEnglishName, @Nullable String englishName,
			boolean mobileAsNumber) {

		static DemoUser rejected(long index, @Nullable String rawMobile, @Nullable String rawName,
				@Nullable String rawEnglishName) {
			return new DemoUser(index, rawMobile, null, rawName, null, rawEnglishName, null, false);
		}

		/**
		 * Tells whether the sync must reject this user.
		 * @return whether it is a reject
		 */
		public boolean isReject() {
			return this.mobile == null;
		}

	}

}
