package dev.berth.functions.flow;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;

/** Events in the JSON shapes EventBridge and CloudWatch deliver them (from the AWS documentation's samples). */
final class EventShapes {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private EventShapes() {
    }

    static Map<String, Object> parse(String json) {
        try {
            return MAPPER.readValue(json, new TypeReference<>() { });
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static Map<String, Object> codeBuildStateChange(String project, String buildId, String status, String imageId, String failedPhaseContext) {
        String phases = failedPhaseContext == null
                ? """
                  {"phase-context": [], "start-time": "Nov 28, 2026 4:12:29 PM", "end-time": "Nov 28, 2026 4:12:29 PM", "duration-in-seconds": 0, "phase-type": "SUBMITTED", "phase-status": "SUCCEEDED"},
                  {"phase-context": [": "], "start-time": "Nov 28, 2026 4:12:29 PM", "end-time": "Nov 28, 2026 4:13:05 PM", "duration-in-seconds": 36, "phase-type": "BUILD", "phase-status": "SUCCEEDED"},
                  {"start-time": "Nov 28, 2026 4:14:21 PM", "phase-type": "COMPLETED"}"""
                : """
                  {"phase-context": [], "start-time": "Nov 28, 2026 4:12:29 PM", "end-time": "Nov 28, 2026 4:12:29 PM", "duration-in-seconds": 0, "phase-type": "SUBMITTED", "phase-status": "SUCCEEDED"},
                  {"phase-context": ["%s"], "start-time": "Nov 28, 2026 4:12:29 PM", "end-time": "Nov 28, 2026 4:13:05 PM", "duration-in-seconds": 36, "phase-type": "BUILD", "phase-status": "FAILED"},
                  {"start-time": "Nov 28, 2026 4:14:21 PM", "phase-type": "COMPLETED"}""".formatted(failedPhaseContext);
        return parse("""
                {
                  "version": "0",
                  "id": "bfdc1220-60ff-44ec-9b39-0a5d1fbb5bd4",
                  "detail-type": "CodeBuild Build State Change",
                  "source": "aws.codebuild",
                  "account": "123456789012",
                  "time": "2026-11-28T16:14:28Z",
                  "region": "us-east-1",
                  "resources": ["%2$s"],
                  "detail": {
                    "build-status": "%3$s",
                    "project-name": "%1$s",
                    "build-id": "%2$s",
                    "additional-information": {
                      "artifact": {"location": ""},
                      "environment": {
                        "image": "aws/codebuild/standard:7.0",
                        "privileged-mode": true,
                        "compute-type": "BUILD_GENERAL1_SMALL",
                        "type": "LINUX_CONTAINER",
                        "environment-variables": [
                          {"name": "CONTEXT_BUCKET", "type": "PLAINTEXT", "value": "berth-contexts"},
                          {"name": "REPOSITORY_URI", "type": "PLAINTEXT", "value": "123456789012.dkr.ecr.us-east-1.amazonaws.com/pods"},
                          {"name": "IMAGE_ID", "type": "PLAINTEXT", "value": "%4$s"},
                          {"name": "CONTEXT_KEY", "type": "PLAINTEXT", "value": "contexts/%4$s.tar.gz"}
                        ]
                      },
                      "timeout-in-minutes": 60,
                      "build-complete": true,
                      "initiator": "berth-api",
                      "build-start-time": "Nov 28, 2026 4:12:29 PM",
                      "source": {"buildspec": "version: 0.2", "type": "NO_SOURCE"},
                      "logs": {
                        "group-name": "/aws/codebuild/%1$s",
                        "stream-name": "8745a7a9-c340-456a-9166-edf953571bef",
                        "deep-link": "https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#logEvent:group=/aws/codebuild/%1$s;stream=8745a7a9-c340-456a-9166-edf953571bef"
                      },
                      "phases": [%5$s]
                    },
                    "current-phase": "COMPLETED",
                    "current-phase-context": "[]",
                    "version": "1"
                  }
                }
                """.formatted(project, buildId, status, imageId, phases));
    }

    /** A task change of a task whose {@code ready} container exited 0 (the pod's ports answered). */
    static Map<String, Object> ecsTaskStateChange(String clusterArn, String taskArn, String taskDefinitionArn, String podId,
                                                  String lastStatus, long version, String ip, Integer exitCode, String stopCode,
                                                  String stoppedReason) {
        return ecsTaskStateChange(clusterArn, taskArn, taskDefinitionArn, podId, lastStatus, version, ip, exitCode, stopCode,
                stoppedReason, 0);
    }

    /** A task change; {@code readyExitCode} is the {@code ready} container's exit code, null while it still runs. */
    static Map<String, Object> ecsTaskStateChange(String clusterArn, String taskArn, String taskDefinitionArn, String podId,
                                                  String lastStatus, long version, String ip, Integer exitCode, String stopCode,
                                                  String stoppedReason, Integer readyExitCode) {
        String ready = readyExitCode == null ? "\"lastStatus\": \"RUNNING\"" : "\"lastStatus\": \"STOPPED\", \"exitCode\": " + readyExitCode;
        String stopped = "STOPPED".equals(lastStatus)
                ? ", \"stopCode\": \"%s\", \"stoppedReason\": \"%s\", \"stoppedAt\": \"2026-11-28T16:20:00.000Z\"".formatted(stopCode, stoppedReason)
                : "";
        return parse("""
                {
                  "version": "0",
                  "id": "3317b2af-7005-947d-b652-f55e762e571a",
                  "detail-type": "ECS Task State Change",
                  "source": "aws.ecs",
                  "account": "123456789012",
                  "time": "2026-11-28T16:15:00Z",
                  "region": "us-east-1",
                  "resources": ["%2$s"],
                  "detail": {
                    "attachments": [{
                      "id": "1789bcae-ddfb-4d10-8ebe-8ac87ddba5b8",
                      "type": "eni",
                      "status": "ATTACHED",
                      "details": [
                        {"name": "subnetId", "value": "subnet-abcd1234"},
                        {"name": "networkInterfaceId", "value": "eni-abcd1234"},
                        {"name": "macAddress", "value": "0a:0c:11:22:33:44"},
                        {"name": "privateIPv4Address", "value": "%7$s"}
                      ]
                    }],
                    "availabilityZone": "us-east-1a",
                    "clusterArn": "%1$s",
                    "containers": [{
                      "containerArn": "%2$s/pod",
                      "lastStatus": "%5$s",
                      "name": "pod",
                      "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/pods:latest",
                      "taskArn": "%2$s",
                      "cpu": "0"%8$s
                    }, {
                      "containerArn": "%2$s/ready",
                      "name": "ready",
                      "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/berth-activity:1",
                      "taskArn": "%2$s",
                      "cpu": "0",
                      %10$s
                    }],
                    "createdAt": "2026-11-28T16:14:00.000Z",
                    "launchType": "FARGATE",
                    "cpu": "512",
                    "memory": "1024",
                    "desiredStatus": "%5$s",
                    "group": "family:berth",
                    "lastStatus": "%5$s",
                    "overrides": {"containerOverrides": [{"name": "pod"}]},
                    "connectivity": "CONNECTED",
                    "startedBy": "%4$s",
                    "taskArn": "%2$s",
                    "taskDefinitionArn": "%3$s",
                    "updatedAt": "2026-11-28T16:15:00.000Z",
                    "version": %6$d%9$s
                  }
                }
                """.formatted(clusterArn, taskArn, taskDefinitionArn, podId, lastStatus, version, ip,
                exitCode == null ? "" : ", \"exitCode\": " + exitCode, stopped, ready));
    }

    /** What a CloudWatch alarm action sends to a Lambda function. */
    static Map<String, Object> alarmStateChange(String alarmName, String state) {
        return parse("""
                {
                  "source": "aws.cloudwatch",
                  "alarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:%1$s",
                  "accountId": "123456789012",
                  "time": "2026-11-28T16:30:00.000+0000",
                  "region": "us-east-1",
                  "alarmData": {
                    "alarmName": "%1$s",
                    "state": {"value": "%2$s", "reason": "Threshold Crossed", "timestamp": "2026-11-28T16:30:00.000+0000"},
                    "previousState": {"value": "OK", "reason": "Threshold not crossed", "timestamp": "2026-11-28T16:20:00.000+0000"},
                    "configuration": {"description": "Berth idle pod", "metrics": []}
                  }
                }
                """.formatted(alarmName, state));
    }
}
