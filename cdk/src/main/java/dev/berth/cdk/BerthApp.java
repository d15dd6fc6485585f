package dev.berth.cdk;

import software.amazon.awscdk.App;

/** The CDK app: {@code cdk synth} / {@code cdk deploy} in the cdk module directory run this (see cdk.json). */
public final class BerthApp {
    private BerthApp() {
    }

    public static void main(String[] args) {
        App app = new App();
        BerthSettings settings = BerthSettings.fromContext(key -> app.getNode().tryGetContext(key));
        new BerthStack(app, settings);
        app.synth();
    }
}
