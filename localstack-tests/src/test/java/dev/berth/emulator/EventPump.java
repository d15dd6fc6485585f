package dev.berth.emulator;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Delivers AWS service events to a handler the way the stack does: an EventBridge rule on the default bus
 * matching {@code pattern}, targeting an SQS queue (standing in for the Lambda target), drained by a thread
 * that calls {@code handler} with each event as the Lambda runtime would pass it (a JSON object as a map).
 * Polls without long polling: the emulator serves one request at a time. Close to remove rule and queue.
 */
public final class EventPump implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventPump.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final EventBridgeClient events;
    private final SqsClient sqs;
    private final String rule;
    private final String queueUrl;
    private final Thread drainer;
    private volatile boolean open = true;

    private EventPump(Emulator aws, String pattern, Consumer<Map<String, Object>> handler) {
        var clients = aws.clients();
        this.events = EventBridgeClient.builder().region(Emulator.REGION).credentialsProvider(clients.credentials())
                .httpClient(clients.http()).endpointOverride(aws.endpoint()).build();
        this.sqs = SqsClient.builder().region(Emulator.REGION).credentialsProvider(clients.credentials())
                .httpClient(clients.http()).endpointOverride(aws.endpoint()).build();
        this.rule = Emulator.unique("berth-pump");
        this.queueUrl = sqs.createQueue(r -> r.queueName(rule)).queueUrl();
        String queueArn = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNamesWithStrings("QueueArn"))
                .attributesAsStrings().get("QueueArn");
        events.putRule(r -> r.name(rule).eventPattern(pattern));
        events.putTargets(r -> r.rule(rule).targets(t -> t.id("queue").arn(queueArn)));
        this.drainer = Thread.ofPlatform().daemon().name(rule).start(() -> drain(handler));
    }

    /** Starts delivering events matching the EventBridge {@code pattern} (JSON) to {@code handler}, in order, on one thread. */
    public static EventPump start(Emulator aws, String pattern, Consumer<Map<String, Object>> handler) {
        return new EventPump(aws, pattern, handler);
    }

    private void drain(Consumer<Map<String, Object>> handler) {
        while (open) {
            try {
                var messages = sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(0)).messages();
                for (Message message : messages) {
                    Map<String, Object> event = JSON.readValue(message.body(), new TypeReference<>() { });
                    try {
                        handler.accept(event);
                    } catch (RuntimeException e) {
                        // As a failed Lambda invocation: logged, and the event is not retried here.
                        LOG.warn("event handler failed on {} {}", event.get("detail-type"), event.get("resources"), e);
                    }
                    sqs.deleteMessage(r -> r.queueUrl(queueUrl).receiptHandle(message.receiptHandle()));
                }
                if (messages.isEmpty()) {
                    TimeUnit.MILLISECONDS.sleep(100);
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (RuntimeException e) {
                if (open) {
                    LOG.warn("event pump {} could not poll", rule, e);
                }
            }
        }
    }

    @Override
    public void close() {
        open = false;
        // Not interrupted: an SDK call interrupted between a request's headers and its body would leave moto
        // waiting for the body. The drainer ends after its current poll.
        try {
            drainer.join(15000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        events.removeTargets(r -> r.rule(rule).ids("queue"));
        events.deleteRule(r -> r.name(rule));
        sqs.deleteQueue(r -> r.queueUrl(queueUrl));
        events.close();
        sqs.close();
    }
}
