from setuptools import find_packages, setup

from woocommerce_fusion import __version__ as version

with open("requirements.txt") as f:
	install_requires = [line.strip() for line in f if line.strip() and not line.startswith("#")]

setup(
	name="woocommerce_fusion",
	version=version,
	description="Keeps WooCommerce shops and ERPNext in sync",
	author="woocommerce_fusion developers",
	author_email="dev@woocommerce-fusion.invalid",
	packages=find_packages(exclude=("tests", "tests.*", "benchmarks")),
	zip_safe=False,
	include_package_data=True,
	install_requires=install_requires,
	python_requires=">=3.10",
)
