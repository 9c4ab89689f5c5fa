"""airbyte-cdk's standard source tests (airbyte-cdk[dev]==7.39.1), run on our binary and our image.

    # the binary (target/release/source-gong): every test not marked image_tests
    pytest integration_tests/test_standard_suite.py -m "not image_tests"
    # the image: the image_tests, on the image scripts/docker-build.sh built
    pytest integration_tests/test_standard_suite.py -m image_tests --connector-image source-gong-rs/source-gong:dev

The scenarios come from acceptance-test-config.yml; conftest.py starts the sandbox they read from.
"""

from airbyte_cdk.test.standard_tests import SourceTestSuiteBase

from conftest import ExecutableConnector


class TestSourceGong(SourceTestSuiteBase):
    """Every standard source test, with our executable as the connector."""

    connector = ExecutableConnector
