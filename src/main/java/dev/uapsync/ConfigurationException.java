package dev.uapsync;

/**
 * A setting or a resource the sync needs is missing or wrong. The message names the cause
 * and the fix in one sentence, fit to show an operator as it is; the command line turns
 * it into exit code 2.
 */
public class ConfigurationException extends RuntimeException {

	public ConfigurationException(String message) {
		super(message);
	}

	public ConfigurationException(String message, Throwable cause) {
		super(message, cause);
	}

}
