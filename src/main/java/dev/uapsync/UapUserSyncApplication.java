package dev.uapsync;

import java.util.Map;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * uap-user-sync: mirrors every user of a unified authentication platform (UAP) into the
 * table {@code uap_user}. {@link CommandLine} lists the commands.
 */
@SpringBootApplication
public class UapUserSyncApplication {

	public static void main(String[] args) {
		System.exit(new CommandLine(System.out, System.err, Map.of()).run(args));
	}

}
