package dev.uapsync.store;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@link SqlDialect} writes into SQL itself.
 */
class SqlDialectTests {

	@Test
	void plainNumbersBecomeQuotedLiterals() {
		assertThat(SqlDialect.literals(List.of("13800138000", "+8613800138000", "1")))
			.isEqualTo("'13800138000','+8613800138000','1'");
	}

	@Test
	void anythingButAPlainNumberLeavesTheMobilesToParameters() {
		assertThat(SqlDialect.literals(List.of("13800138000", "1' OR '1'='1"))).isNull();
		assertThat(SqlDialect.literals(List.of("138\\'"))).isNull();
		assertThat(SqlDialect.literals(List.of("138+00"))).isNull();
		assertThat(SqlDialect.literals(List.of("++138"))).isNull();
		assertThat(SqlDialect.literals(List.of(""))).isNull();
		assertThat(SqlDialect.literals(List.of("1".repeat(33)))).isNull();
		assertThat(SqlDialect.literals(List.of("١٢٣"))).as("digits of another script").isNull();
	}

}
