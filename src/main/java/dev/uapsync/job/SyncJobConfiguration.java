package dev.uapsync.job;

import java.time.Clock;
import java.util.function.Supplier;

import javax.sql.DataSource;

import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.configuration.support.MapJobRegistry;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.listener.StepListener;
import org.springframework.batch.core.repository.ExecutionContextSerializer;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.repository.dao.JacksonExecutionContextStringSerializer;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Lazy;
import org.springframework.core.env.Environment;

import org.springframework.scheduling.support.CronExpression;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

import dev.uapsync.ConfigurationException;
import dev.uapsync.UapProperties;
import dev.uapsync.store.DataSourceTuning;
import dev.uapsync.store.H2Snapshot;
import dev.uapsync.store.SoftDeletes;
import dev.uapsync.store.SqlDialect;
import dev.uapsync.store.SyncLock;
import dev.uapsync.store.UserSchemaInitializer;
import dev.uapsync.store.UserWriter;
import dev.uapsync.uap.AccessToken;
import dev.uapsync.uap.PageFetcher;
import dev.uapsync.uap.RequestPacer;
import dev.uapsync.uap.UapClient;
import dev.uapsync.uap.UapUser;
import dev.uapsync.uap.UapUserReader;
import dev.uapsync.user.SyncItem;
import dev.uapsync.user.UserProcessor;

/**
 * The sync job: {@code uapUserSyncJob}, one chunk-oriented step {@code uapUserSyncStep}
 * whose chunk is {@code uap.commit-interval} users, read from the UAP page by page,
 * normalized, and written to {@code uap_user} (or {@code uap_user_reject}) in one
 * transaction with the step's saved offset.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(UapProperties.class)
public class SyncJobConfiguration {

	/**
	 * The job's name in the Spring Batch tables.
	 */
	public static final String JOB_NAME = "uapUserSyncJob";

	/**
	 * The step's name in the Spring Batch tables.
	 */
	public static final String STEP_NAME = "uapUserSyncStep";

	/**
	 * The name of the step that soft-deletes users after a pass.
	 */
	public static final String DELETE_STEP_NAME = "uapUserDeleteStep";

	@Bean
	static DataSourceTuning dataSourceTuning(Environment environment) {
		// read here, before the settings are bound, since the pool is tuned before
		String loadData = environment.getProperty("uap.load-data", "true").trim();
		if (!loadData.equalsIgnoreCase("true") && !loadData.equalsIgnoreCase("false")) {
			throw new ConfigurationException("UAP_LOAD_DATA=" + loadData + " is not true or false (default true)");
		}
		boolean writesUsers = !environment.getProperty(DataSourceTuning.WRITES_NO_USERS, Boolean.class, false);
		return new DataSourceTuning(environment.getProperty(H2Snapshot.PROPERTY, Boolean.class, false),
				Boolean.parseBoolean(loadData) && writesUsers);
	}

	@Bean
	SqlDialect sqlDialect(DataSource dataSource) {
		return SqlDialect.of(dataSource);
	}

	@Bean
	@ConditionalOnBooleanProperty(name = "uap.initialize-schema", matchIfMissing = true)
	UserSchemaInitializer userSchemaInitializer(DataSource dataSource, SqlDialect sqlDialect) {
		return new UserSchemaInitializer(dataSource, sqlDialect);
	}

	/**
	 * Stores execution contexts as JSON rather than serialized Java objects, so that the
	 * saved offset and counts are readable in {@code BATCH_STEP_EXECUTION_CONTEXT}, by
	 * {@code sql/<db>/status.sql} among others.
	 */
	@Bean
	ExecutionContextSerializer executionContextSerializer() {
		return new JacksonExecutionContextStringSerializer();
	}

	/**
	 * The UAP client, created on first use: {@code status} needs no UAP settings, and a
	 * command that syncs asks for it before anything else, so that a missing token or a
	 * malformed URL still stops it before the first request.
	 */
	@Bean
	@Lazy
	UapClient uapClient(UapProperties properties) {
		AccessToken token = AccessToken.resolve(properties.getAccessToken(), properties.getAccessTokenFile());
		return new UapClient(properties.getBaseUrl(), token, properties.getHttp().getConnectTimeout(),
				properties.getHttp().getReadTimeout());
	}

	@Bean
	@Lazy
	PageFetcher pageFetcher(UapClient uapClient, UapProperties properties, RunningSync runningSync) {
		UapProperties.Retry retry = properties.getRetry();
		return new PageFetcher(uapClient, retry.getMaxAttempts(), retry.getDelay(), retry.getMaxDelay(),
				retry.getMultiplier(), retry.getMaxRetryAfter(), runningSync::isStopRequested,
				new RequestPacer(properties.getRateLimit()));
	}

	@Bean
	@StepScope
	UapUserReader uapUserReader(PageFetcher pageFetcher, UapProperties properties, RunningSync runningSync) {
		return new UapUserReader(pageFetcher, properties.getPageSize(), properties.getConcurrency(),
				runningSync::isStopRequested);
	}

	@Bean
	UserProcessor userProcessor() {
		return new UserProcessor();
	}

	@Bean
	@StepScope
	UserWriter userWriter(DataSource dataSource, SqlDialect sqlDialect, UapProperties properties,
			DataSourceTuning dataSourceTuning) {
		return new UserWriter(dataSource, sqlDialect, properties.getRejectLimit(),
				dataSourceTuning.localInfileLoader());
	}

	@Bean
	@StepScope
	SyncProgressListener syncProgressListener(UapUserReader uapUserReader, UapProperties properties) {
		return new SyncProgressListener(uapUserReader, properties.getProgressInterval(), Clock.systemUTC());
	}

	@Bean
	Step uapUserSyncStep(JobRepository jobRepository, PlatformTransactionManager transactionManager,
			UapUserReader uapUserReader, UserProcessor userProcessor, UserWriter userWriter,
			SyncProgressListener syncProgressListener, UapProperties properties, RunningSync runningSync) {
		return new StepBuilder(STEP_NAME, jobRepository).<UapUser, SyncItem>chunk(properties.getCommitInterval())
			.transactionManager(transactionManager)
			.reader(uapUserReader)
			.processor(userProcessor)
			.writer(userWriter)
			.listener(syncProgressListener)
			.listener((StepListener) runningSync)
			.interruptionPolicy(runningSync)
			.build();
	}

	/**
	 * The registry {@code JobOperator.restart} finds the job in. Declared here because
	 * Spring Batch's default fills its registry when the job operator is created, which
	 * is while this job is still being created ({@link RunningSync} needs the operator);
	 * this one registers every job once all beans exist.
	 */
	@Bean
	static MapJobRegistry jobRegistry() {
		return new MapJobRegistry();
	}

	@Bean
	SyncLock syncLock(DataSource dataSource, SqlDialect sqlDialect) {
		return new SyncLock(dataSource, sqlDialect);
	}

	@Bean
	RunningSync runningSync() {
		return new RunningSync();
	}

	@Bean
	SyncLauncher syncLauncher(JobOperator jobOperator, JobRepository jobRepository, Job uapUserSyncJob,
			SyncLock syncLock, RunningSync runningSync) {
		return new SyncLauncher(jobOperator, jobRepository, uapUserSyncJob, syncLock, runningSync);
	}

	@Bean
	SoftDeletes softDeletes(DataSource dataSource, SqlDialect sqlDialect) {
		return new SoftDeletes(dataSource, sqlDialect);
	}

	@Bean
	Step uapUserDeleteStep(JobRepository jobRepository, PlatformTransactionManager transactionManager,
			SoftDeletes softDeletes, UapProperties properties) {
		SoftDeleteTasklet tasklet = new SoftDeleteTasklet(softDeletes, jobRepository,
				properties.getDelete().getMaxRatio(), properties.getDelete().getMaxCount());
		return new StepBuilder(DELETE_STEP_NAME, jobRepository).tasklet(tasklet)
			.transactionManager(transactionManager)
			.build();
	}

	@Bean
	SyncSchedule syncSchedule(SyncLauncher syncLauncher, UapProperties properties) {
		return new SyncSchedule(syncLauncher, CronExpression.parse(properties.getSchedule().getCron()),
				properties.getSchedule().getZone(), Clock.systemUTC());
	}

	@Bean
	SyncStatus syncStatus(JobRepository jobRepository) {
		return new SyncStatus(jobRepository);
	}

	@Bean
	Job uapUserSyncJob(JobRepository jobRepository, Step uapUserSyncStep, Step uapUserDeleteStep,
			ObjectProvider<UapClient> uapClient, DataSource dataSource, UapProperties properties,
			RunningSync runningSync) {
		Supplier<String> settings = () -> "UAP " + uapClient.getObject().usersUri() + ", page size "
				+ properties.getPageSize() + ", commit interval " + properties.getCommitInterval() + ", database "
				+ SqlDialect.displayUrl(dataSource) + ", reject limit " + properties.getRejectLimit();
		return new JobBuilder(JOB_NAME, jobRepository).start(uapUserSyncStep)
			.next(uapUserDeleteStep)
			.listener(new SyncLogListener(settings))
			.listener(runningSync)
			.build();
	}

}
