# make deb  -> dist/meridian_<version>_amd64.deb   (see scripts/package.sh)
VERSION := $(shell cat VERSION)

.PHONY: deb test demo bench clean
deb:
	bash scripts/package.sh
test:
	bash scripts/test.sh
demo:
	bash scripts/demo.sh
bench:
	bash scripts/bench.sh
	bash scripts/bench-lab.sh
clean:
	rm -rf dist
