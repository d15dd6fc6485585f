package dev.berth.functions.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class AlbRouterSettingsTest {
    private static final String LISTENER_1 =
            "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/Berth-Alb0-1A2B3C/50dc6c495c0c9188/f2f7dc8efc522ab2";
    private static final String LISTENER_2 =
            "arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:123456789012:listener/app/berth-1/0123456789abcdef/fedcba9876543210";

    @Test
    void loadBalancerArn_ofListenerArn_dropsTheListenerId() {
        assertThat(AlbRouter.loadBalancerArn(LISTENER_1))
                .isEqualTo("arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/Berth-Alb0-1A2B3C/50dc6c495c0c9188");
        assertThat(AlbRouter.loadBalancerArn(LISTENER_2))
                .isEqualTo("arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:123456789012:loadbalancer/app/berth-1/0123456789abcdef");
    }

    @Test
    void loadBalancerArn_whenNotAnAlbListener_rejectsNamingTheValue() {
        for (String bad : List.of("arn:none",
                "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/net/berth/50dc6c495c0c9188/f2f7dc8efc522ab2",
                "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/berth/50dc6c495c0c9188",
                "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/berth/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee")) {
            assertThatThrownBy(() -> AlbRouter.loadBalancerArn(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + bad + "'")
                    .hasMessageContaining("BERTH_LISTENER_ARNS");
        }
    }

    @Test
    void settings_loadBalancersAndOwner_followTheListenersInPoolOrder() {
        AlbRouter.Settings settings = new AlbRouter.Settings("vpc-1", List.of(LISTENER_1, LISTENER_2), "pods.example.com", null);

        assertThat(settings.loadBalancerArns()).containsExactly(AlbRouter.loadBalancerArn(LISTENER_1), AlbRouter.loadBalancerArn(LISTENER_2));
        assertThat(settings.owner()).isEqualTo(AlbRouter.loadBalancerArn(LISTENER_1));
    }

    @Test
    void settings_whenAListenerArnIsMalformed_rejectsAtConstruction() {
        assertThatThrownBy(() -> new AlbRouter.Settings("vpc-1", List.of(LISTENER_1, "arn:none"), "pods.example.com", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'arn:none'");
    }

    @Test
    void settings_wakerTargetGroup_defaultsToBerthWaker() {
        assertThat(new AlbRouter.Settings("vpc-1", List.of(LISTENER_1), "pods.example.com", null).wakerTargetGroup()).isEqualTo("berth-waker");
        assertThat(new AlbRouter.Settings("vpc-1", List.of(LISTENER_1), "pods.example.com", null, 100, null, "berth-waker-1a2b3c4d")
                .wakerTargetGroup()).isEqualTo("berth-waker-1a2b3c4d");
    }

    @Test
    void settings_whenWakerTargetGroupIsNoTargetGroupName_rejectsNamingTheValue() {
        assertThatThrownBy(() -> new AlbRouter.Settings("vpc-1", List.of(LISTENER_1), "pods.example.com", null, 100, null, "berth_waker"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("wakerTargetGroup 'berth_waker'").hasMessageContaining("1 to 32 letters, digits and hyphens");
    }
}
