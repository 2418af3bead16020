package dev.uapsync.user;

import java.text.Normalizer;
import java.util.regex.Pattern;

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

	private static final Pattern MOBILE = Pattern.compile(MOBILE_PATTERN);

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
		return (raw != null) ? Normalizer.normalize(raw, Normalizer.Form.NFKC).strip() : null;
	}

	/**
	 * Tells whether a normalized mobile is valid.
	 * @param mobile a value returned by {@link #mobile(String)}
	 * @return whether it matches {@value #MOBILE_PATTERN}
	 */
	public static boolean isValidMobile(@Nullable String mobile) {
		return mobile != null && MOBILE.matcher(mobile).matches();
	}

	/**
	 * Returns the length of a text in code points, the unit of {@link #MAX_NAME_LENGTH}.
	 * @param text the text, may be {@code null}
	 * @return its code points, 0 for {@code null}
	 */
	public static int length(@Nullable String text) {
		return (text != null) ? text.codePointCount(0, text.length()) : 0;
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
