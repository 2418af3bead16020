package dev.uapsync.uap;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.jspecify.annotations.Nullable;

import dev.uapsync.ConfigurationException;

/**
 * The application's UAP access token. Its {@link #toString()} never shows the value, so
 * that no log line, exception message or debugger view prints it by accident.
 */
public final class AccessToken {

	private final String value;

	private AccessToken(String value) {
		this.value = value;
	}

	/**
	 * Takes the token from a setting or, when that is empty, from a file.
	 * @param token the token itself ({@code UAP_ACCESS_TOKEN}), may be {@code null}
	 * @param file a file holding the token ({@code UAP_ACCESS_TOKEN_FILE}), may be
	 * {@code null}
	 * @return the token
	 * @throws ConfigurationException when neither gives a token, or the file cannot be
	 * read
	 */
	public static AccessToken resolve(@Nullable String token, @Nullable Path file) {
		if (token != null && !token.isBlank()) {
			return of(token.strip(), "UAP_ACCESS_TOKEN");
		}
		if (file == null) {
			throw new ConfigurationException(
					"No UAP access token: set UAP_ACCESS_TOKEN, or UAP_ACCESS_TOKEN_FILE to a file holding it");
		}
		String content;
		try {
			content = Files.readString(file, StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new ConfigurationException("Cannot read the UAP access token from UAP_ACCESS_TOKEN_FILE=" + file
					+ " (" + ex.getClass().getSimpleName() + "): check that the file exists and is readable", ex);
		}
		if (content.isBlank()) {
			throw new ConfigurationException(
					"UAP_ACCESS_TOKEN_FILE=" + file + " is empty: write the app's access token into it");
		}
		return of(content.strip(), "UAP_ACCESS_TOKEN_FILE");
	}

	private static AccessToken of(String value, String source) {
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			if (c < 0x21 || c > 0x7e) {
				throw new ConfigurationException("The access token from " + source
						+ " holds white space or a non-ASCII character, which an HTTP header cannot carry: "
						+ "copy the token again from the app's key management page");
			}
		}
		return new AccessToken(value);
	}

	String value() {
		return this.value;
	}

	@Override
	public String toString() {
		return "AccessToken[redacted]";
	}

}
