# Two entry points (README): `make demo` builds and runs the main job, `make test` builds and runs the tests.
PRESET ?= release
BUILD  := build/$(PRESET)
MEMPIPE := $(BUILD)/tools/mempipe/mempipe

.PHONY: bootstrap build test demo bench format clean

bootstrap:
	@scripts/bootstrap

build: bootstrap
	@cmake --preset $(PRESET) >/dev/null
	@cmake --build --preset $(PRESET)

test: build
	@ctest --preset $(PRESET)

demo: build
	@$(MEMPIPE) methods
	@$(MEMPIPE) profile dsa --tokens 4k,32k,128k
	@$(MEMPIPE) profile seer-attention-r --tokens 4k,32k,128k
	@$(MEMPIPE) profile lserve --tokens 4k,32k,128k

bench: build
	@scripts/bootstrap --bench
	@$(MEMPIPE) bench roofline
	@$(MEMPIPE) bench sparse-attention

format:
	@git ls-files '*.cpp' '*.h' | xargs clang-format -i

clean:
	rm -rf build
