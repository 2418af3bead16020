package dev.uapsync.user;

import java.text.Normalizer;

import org.jspecify.annotations.Nullable;

/**
 * The normalization rules for user fields, exactly as the README states them.
 *
 * <p>
 * Names: Unicode NFKC; white space of any kind becomes a space; other characters of the
 * general categories Cc (control) and Cf (format, e.g. U+200B, U+FEFF) are removed, and
 * so are unpaired surrogates (Cs), which are no characters and which no database stores;
 * runs of spaces collapse to one; the ends are trimmed; an empty result is {@code null}.
 * Letter case is kept. When a character was removed, the result is composed once more
 * (NFKC): a removed character between a letter and its combining accent ({@code e U+200B
 * U+0301}) blocks their composition in the first pass, and a name must have one form.
 *
 * <p>
 * Mobiles: Unicode NFKC, then trimmed. A mobile is valid when the result matches
 * {@value #MOBILE_PATTERN}.
 *
 * <p>
 * Stateless and thread safe.
 */
public final class UserNormalizer {

	/**
	 * The pattern a normalized mobile must match.
	 */
	public static final String MOBILE_PATTERN = "^\\+?[0-9]{5,20}$";

	/**
	 * The longest name or English name, in code points, after normalization.
	 */
	public static final int MAX_NAME_LENGTH = 255;

	private UserNormalizer() {
	}

	/**
	 * Normalizes a name or English name.
	 * @param raw the value as received, may be {@code null}
	 * @return the normalized value, or {@code null} when nothing remains
	 */
	public static @Nullable String name(@Nullable String raw) {
		if (raw == null) {
			return null;
		}
		return isCleanName(raw) ? raw : nameByTheRules(raw);
	}

	/**
	 * Applies every rule of {@link #name(String)}: the slow path, for a value that
	 * {@link #isCleanName(String)} cannot vouch for.
	 */
	static @Nullable String nameByTheRules(String raw) {
		String composed = Normalizer.normalize(raw, Normalizer.Form.NFKC);
		StringBuilder result = new StringBuilder(composed.length());
		boolean spacePending = false;
		boolean removed = false;
		for (int i = 0; i < composed.length();) {
			int codePoint = composed.codePointAt(i);
			i += Character.charCount(codePoint);
			if (isWhiteSpace(codePoint)) {
				spacePending = !result.isEmpty();
			}
			else if (isControlOrFormat(codePoint)) {
				removed = true;
			}
			else {
				if (spacePending) {
					result.append(' ');
					spacePending = false;
				}
				result.appendCodePoint(codePoint);
			}
		}
		if (result.isEmpty()) {
			return null;
		}
		return removed ? Normalizer.normalize(result, Normalizer.Form.NFKC) : result.toString();
	}

	/**
	 * Normalizes a mobile: NFKC, then trimmed. The result may still be invalid; see
	 * {@link #isValidMobile(String)}.
	 * @param raw the value as received, may be {@code null}
	 * @return the normalized value, or {@code null} when {@code raw} is {@code null}
	 */
	public static @Nullable String mobile(@Nullable String raw) {
		if (raw == null) {
			return null;
		}
		// ASCII digits and '+' are their own NFKC form, and no white space to strip
		return isDigitsWithOptionalPlus(raw, 0, Integer.MAX_VALUE) ? raw
				: Normalizer.normalize(raw, Normalizer.Form.NFKC).strip();
	}

	/**
	 * Tells whether a normalized mobile is valid.
	 * @param mobile a value returned by {@link #mobile(String)}
	 * @return whether it matches {@value #MOBILE_PATTERN}
	 */
	public static boolean isValidMobile(@Nullable String mobile) {
		return mobile != null && isDigitsWithOptionalPlus(mobile, 5, 20);
	}

	/**
	 * Tells whether a text is an optional leading '+' and then ASCII digits only, as many
	 * as asked: {@value #MOBILE_PATTERN} without a regular expression, which costs more
	 * than the rest of a user's normalization.
	 */
	private static boolean isDigitsWithOptionalPlus(String text, int minDigits, int maxDigits) {
		int start = (!text.isEmpty() && text.charAt(0) == '+') ? 1 : 0;
		int digits = text.length() - start;
		if (digits < minDigits || digits > maxDigits) {
			return false;
		}
		for (int i = start; i < text.length(); i++) {
			char c = text.charAt(i);
			if (c < '0' || c > '9') {
				return false;
			}
		}
		return true;
	}

	/**
	 * Returns the length of a text in code points, the unit of {@link #MAX_NAME_LENGTH}.
	 * @param text the text, may be {@code null}
	 * @return its code points, 0 for {@code null}
	 */
	public static int length(@Nullable String text) {
		return (text != null) ? text.codePointCount(0, text.length()) : 0;
	}

	/**
	 * Tells whether the rules of {@link #name(String)} would return a value unchanged,
	 * without applying them: it holds only printable ASCII, U+00C0 to U+00FF (the Latin-1
	 * letters, × and ÷), the middle dot U+00B7 and CJK unified ideographs (U+4E00 to
	 * U+9FFF), with single spaces between them and none at the ends. Each of those is its
	 * own NFKC form and no two of them compose, none is white space but the inner spaces,
	 * none a control or format character. Most names are such, and skip the normalizer.
	 */
	static boolean isCleanName(String raw) {
		char previous = ' ';
		for (int i = 0; i < raw.length(); i++) {
			char c = raw.charAt(i);
			boolean clean = (c == ' ') ? previous != ' '
					: (c > ' ' && c < 0x7F) || (c >= 0xC0 && c <= 0xFF) || c == 0xB7 || (c >= 0x4E00 && c <= 0x9FFF);
			if (!clean) {
				return false;
			}
			previous = c;
		}
		// also false for an empty value, which the rules make null
		return previous != ' ';
	}

	private static boolean isWhiteSpace(int codePoint) {
		// Character.isWhitespace leaves out the no-break spaces and U+0085 (NEL), which
		// are
		// white space in Unicode's sense too.
		return Character.isWhitespace(codePoint) || Character.isSpaceChar(codePoint) || codePoint == 0x85;
	}

	private static boolean isControlOrFormat(int codePoint) {
		int type = Character.getType(codePoint);
		// an unpaired surrogate (category Cs) is no character at all: no database stores
		// it
		return type == Character.CONTROL || type == Character.FORMAT || type == Character.SURROGATE;
	}

}
