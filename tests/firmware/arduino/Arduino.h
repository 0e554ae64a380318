// Stand-in for the ESP8266 Arduino core's Arduino.h (core 3.x), for the
// link check in scripts/firmware-check: the declarations the sketch uses,
// written from the core's documentation, with the same types (on the chip
// `unsigned long` is 32 bits). The bodies in stand_ins.cpp do nothing; the
// check proves that the sketch folder compiles and links on its own.
#pragma once

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef bool boolean;

#define INPUT 0x00
#define INPUT_PULLUP 0x02
#define OUTPUT 0x01
#define RISING 0x01
#define FALLING 0x02
#define CHANGE 0x03

// IRAM_ATTR puts an interrupt handler in instruction RAM.
#define IRAM_ATTR __attribute__((section(".iram.text")))

// The hardware random number register.
extern "C" uint32_t esp_random_register(void);
#define RANDOM_REG32 (esp_random_register())

unsigned long millis(void);
unsigned long micros(void);
void delay(unsigned long ms);
void yield(void);
void pinMode(uint8_t pin, uint8_t mode);
int analogRead(uint8_t pin);
void attachInterrupt(uint8_t pin, void (*handler)(void), int mode);
#define digitalPinToInterrupt(p) (((p) < 16) ? (p) : -1)
void configTime(int timezone, int daylightOffset_sec, const char *server1,
                const char *server2 = nullptr, const char *server3 = nullptr);

// NodeMCU 1.0 pins (variants/nodemcu/pins_arduino.h).
static const uint8_t A0 = 17;
static const uint8_t D0 = 16;
static const uint8_t D1 = 5;
static const uint8_t D2 = 4;
static const uint8_t D5 = 14;
static const uint8_t D6 = 12;
static const uint8_t D7 = 13;

class String {
public:
  String(const char *text = "") : text_(text) {}
  const char *c_str() const { return text_; }

private:
  const char *text_;
};

class HardwareSerial {
public:
  void begin(unsigned long baud);
  size_t println(const char *text);
};
extern HardwareSerial Serial;

// Reset reasons (user_interface.h in the SDK).
enum rst_reason {
  REASON_DEFAULT_RST = 0,
  REASON_WDT_RST = 1,
  REASON_EXCEPTION_RST = 2,
  REASON_SOFT_WDT_RST = 3,
  REASON_SOFT_RESTART = 4,
  REASON_DEEP_SLEEP_AWAKE = 5,
  REASON_EXT_SYS_RST = 6
};
struct rst_info {
  uint32_t reason;
  uint32_t exccause;
  uint32_t epc1;
  uint32_t epc2;
  uint32_t epc3;
  uint32_t excvaddr;
  uint32_t depc;
};

enum RFMode { RF_DEFAULT = 0 };

class EspClass {
public:
  static void deepSleep(uint64_t time_us, RFMode mode = RF_DEFAULT);
  static struct rst_info *getResetInfoPtr();
  // The RTC's user memory (512 bytes in 4-byte blocks; offset in blocks),
  // kept through resets and deep sleep.
  static bool rtcUserMemoryRead(uint32_t offset, uint32_t *data, size_t size);
  static bool rtcUserMemoryWrite(uint32_t offset, uint32_t *data, size_t size);
};
extern EspClass ESP;
